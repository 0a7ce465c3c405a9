-- id: lambda.function-made-public
-- title: Lambda function invocable by anyone
-- severity: high
-- technique: T1546
-- attempts: reported
-- message: Function {detail} can be invoked by any principal
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.functionName') AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'lambda.amazonaws.com' AND event_name LIKE 'AddPermission%'
  AND json_extract_string(request_parameters, '$.principal') = '*'
