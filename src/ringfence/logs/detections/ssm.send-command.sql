-- id: ssm.send-command
-- title: Command sent to instances through SSM
-- severity: medium
-- technique: T1651
-- message: SendCommand {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.documentName'), '') || ' on ' || coalesce(CAST(json_extract(request_parameters, '$.instanceIds') AS VARCHAR), '') AS detail
FROM cloudtrail
WHERE event_source = 'ssm.amazonaws.com' AND event_name = 'SendCommand'
