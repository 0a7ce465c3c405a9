-- id: guardduty.detector-disabled
-- title: GuardDuty detector deleted or disabled
-- severity: high
-- technique: T1562.001
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, event_name || ' ' || coalesce(json_extract_string(request_parameters, '$.detectorId'), '') AS detail
FROM cloudtrail
WHERE event_source = 'guardduty.amazonaws.com' AND (event_name = 'DeleteDetector'
  OR (event_name = 'UpdateDetector' AND lower(CAST(json_extract_string(request_parameters, '$.enable') AS VARCHAR)) = 'false'))
