-- id: ec2.password-data-retrieved
-- title: EC2 Windows password data retrieved
-- severity: medium
-- technique: T1552
-- message: GetPasswordData on {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.instanceId') || coalesce(' (' || error_code || ')', '') AS detail
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'GetPasswordData'
