-- id: bedrock.model-invoked
-- title: Bedrock model invoked
-- severity: low
-- technique: T1496
-- message: {count} invocations of {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.modelId') AS detail
FROM cloudtrail
WHERE event_source = 'bedrock.amazonaws.com' AND event_name IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')
