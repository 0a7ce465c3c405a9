-- id: ec2.snapshot-shared
-- title: EBS snapshot shared with another account or made public
-- severity: high
-- technique: T1537
-- attempts: reported
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.snapshotId') || ' -> ' || CAST(json_extract(request_parameters, '$.createVolumePermission.add') AS VARCHAR) AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'ModifySnapshotAttribute'
  AND coalesce(json_array_length(json_extract(request_parameters, '$.createVolumePermission.add.items')), 0) > 0
