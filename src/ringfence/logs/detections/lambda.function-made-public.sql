-- id: lambda.function-made-public
-- title: Lambda function invocable by anyone
-- severity: high
-- technique: T1546
-- message: Function {detail} can be invoked by any principal
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.functionName') AS detail
FROM cloudtrail
WHERE event_source = 'lambda.amazonaws.com' AND event_name LIKE 'AddPermission%' AND error_code IS NULL
  AND json_extract_string(request_parameters, '$.principal') = '*'
