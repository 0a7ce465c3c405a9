-- id: ec2.user-data-modified
-- title: EC2 instance user data modified
-- severity: medium
-- technique: T1059.009
-- message: User data of {detail} replaced: it runs as root at the next start
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.instanceId') AS detail
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'ModifyInstanceAttribute'
  AND (json_extract_string(request_parameters, '$.attribute') = 'userData' OR json_extract(request_parameters, '$.userData') IS NOT NULL)
