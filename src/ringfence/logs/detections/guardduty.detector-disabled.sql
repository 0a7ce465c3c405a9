-- id: guardduty.detector-disabled
-- title: GuardDuty detector deleted or disabled
-- severity: high
-- technique: T1562.001
-- attempts: reported
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, event_name || ' ' || coalesce(json_extract_string(request_parameters, '$.detectorId'), '') AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'guardduty.amazonaws.com' AND (event_name = 'DeleteDetector'
  OR (event_name = 'UpdateDetector' AND lower(CAST(json_extract_string(request_parameters, '$.enable') AS VARCHAR)) = 'false'))
