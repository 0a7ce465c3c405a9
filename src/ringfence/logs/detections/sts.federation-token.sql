-- id: sts.federation-token
-- title: Federation token obtained by an IAM user
-- severity: low
-- technique: T1550.001
-- message: Federation token for {detail}: survives the deletion of the user's access key
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.name') AS detail
FROM cloudtrail
WHERE event_source = 'sts.amazonaws.com' AND event_name = 'GetFederationToken' AND error_code IS NULL
