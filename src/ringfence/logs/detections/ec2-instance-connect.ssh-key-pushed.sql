-- id: ec2-instance-connect.ssh-key-pushed
-- title: SSH key pushed with EC2 Instance Connect
-- severity: medium
-- technique: T1021.004
-- message: Key pushed to {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.instanceId'), '') || ' as ' || coalesce(json_extract_string(request_parameters, '$.instanceOSUser'), '') AS detail
FROM cloudtrail
WHERE event_source = 'ec2-instance-connect.amazonaws.com' AND event_name = 'SendSSHPublicKey'
