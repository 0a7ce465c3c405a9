-- id: rds.snapshot-shared
-- title: RDS snapshot shared with another account or made public
-- severity: high
-- technique: T1537
-- attempts: reported
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.dBSnapshotIdentifier'), json_extract_string(request_parameters, '$.dBClusterSnapshotIdentifier'), '') || ' -> ' || CAST(json_extract(request_parameters, '$.valuesToAdd') AS VARCHAR) AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'rds.amazonaws.com' AND event_name IN ('ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute')
  AND json_extract_string(request_parameters, '$.attributeName') = 'restore' AND coalesce(json_array_length(json_extract(request_parameters, '$.valuesToAdd')), 0) > 0
