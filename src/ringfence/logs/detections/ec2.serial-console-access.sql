-- id: ec2.serial-console-access
-- title: EC2 serial console access enabled or used
-- severity: medium
-- technique: T1021
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, event_name || coalesce(' ' || json_extract_string(request_parameters, '$.instanceId'), '') AS detail
FROM cloudtrail
WHERE event_name IN ('EnableSerialConsoleAccess', 'SendSerialConsoleSSHPublicKey')
