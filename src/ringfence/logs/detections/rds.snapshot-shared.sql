-- id: rds.snapshot-shared
-- title: RDS snapshot shared with another account or made public
-- severity: high
-- technique: T1537
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.dBSnapshotIdentifier'), json_extract_string(request_parameters, '$.dBClusterSnapshotIdentifier'), '') || ' -> ' || CAST(json_extract(request_parameters, '$.valuesToAdd') AS VARCHAR) AS detail
FROM cloudtrail
WHERE event_source = 'rds.amazonaws.com' AND event_name IN ('ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute')
  AND json_extract_string(request_parameters, '$.attributeName') = 'restore' AND json_extract(request_parameters, '$.valuesToAdd') IS NOT NULL
