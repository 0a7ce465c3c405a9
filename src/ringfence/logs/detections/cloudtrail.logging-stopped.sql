-- id: cloudtrail.logging-stopped
-- title: CloudTrail logging stopped
-- severity: high
-- technique: T1562.008
-- guardduty: Stealth:IAMUser/CloudTrailLoggingDisabled
-- attempts: reported
-- message: Logging stopped on trail {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.name'), '') || coalesce(' (' || error_code || ')', '') AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'cloudtrail.amazonaws.com' AND event_name = 'StopLogging'
