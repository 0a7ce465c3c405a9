-- id: ec2.ami-shared
-- title: AMI shared with another account or made public
-- severity: high
-- technique: T1537
-- attempts: reported
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.imageId') || ' -> ' || CAST(json_extract(request_parameters, '$.launchPermission.add') AS VARCHAR) AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'ModifyImageAttribute'
  AND coalesce(json_array_length(json_extract(request_parameters, '$.launchPermission.add.items')), 0) > 0
