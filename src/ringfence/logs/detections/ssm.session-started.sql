-- id: ssm.session-started
-- title: Interactive SSM session started
-- severity: low
-- technique: T1021
-- message: Session opened on {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.target') AS detail
FROM cloudtrail
WHERE event_source = 'ssm.amazonaws.com' AND event_name = 'StartSession'
