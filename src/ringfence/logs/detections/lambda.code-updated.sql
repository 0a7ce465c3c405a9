-- id: lambda.code-updated
-- title: Lambda function code replaced
-- severity: low
-- technique: T1525
-- message: Code of {detail} replaced
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.functionName') AS detail
FROM cloudtrail
WHERE event_source = 'lambda.amazonaws.com' AND event_name LIKE 'UpdateFunctionCode%' AND error_code IS NULL
