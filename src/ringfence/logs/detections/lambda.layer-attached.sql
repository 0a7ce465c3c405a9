-- id: lambda.layer-attached
-- title: Lambda layer attached to a function
-- severity: low
-- technique: T1546
-- message: Layer attached: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.functionName') || ' <- ' || CAST(coalesce(json_extract(request_parameters, '$.layers'), json_extract(response_elements, '$.layers')) AS VARCHAR) AS detail
FROM cloudtrail
WHERE event_source = 'lambda.amazonaws.com' AND event_name LIKE 'UpdateFunctionConfiguration%' AND error_code IS NULL
  AND coalesce(json_array_length(json_extract(request_parameters, '$.layers')), json_array_length(json_extract(response_elements, '$.layers')), 0) > 0
