-- id: cloudtrail.event-selectors-changed
-- title: CloudTrail event selectors or trail settings changed
-- severity: medium
-- technique: T1562.008
-- message: {detail}: what the trail records was changed
SELECT event_id AS ref, event_time, principal, source_ip, event_name || ' ' || coalesce(json_extract_string(request_parameters, '$.trailName'), json_extract_string(request_parameters, '$.name'), '') AS detail
FROM cloudtrail
WHERE event_source = 'cloudtrail.amazonaws.com' AND event_name IN ('PutEventSelectors', 'PutInsightSelectors', 'UpdateTrail')
  AND error_code IS NULL
