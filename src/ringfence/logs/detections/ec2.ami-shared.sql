-- id: ec2.ami-shared
-- title: AMI shared with another account or made public
-- severity: high
-- technique: T1537
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.imageId') || ' -> ' || CAST(json_extract(request_parameters, '$.launchPermission.add') AS VARCHAR) AS detail
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'ModifyImageAttribute'
  AND json_extract(request_parameters, '$.launchPermission.add') IS NOT NULL
