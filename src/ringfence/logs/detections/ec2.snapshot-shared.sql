-- id: ec2.snapshot-shared
-- title: EBS snapshot shared with another account or made public
-- severity: high
-- technique: T1537
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.snapshotId') || ' -> ' || CAST(json_extract(request_parameters, '$.createVolumePermission.add') AS VARCHAR) AS detail
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'ModifySnapshotAttribute'
  AND json_extract(request_parameters, '$.createVolumePermission.add') IS NOT NULL
