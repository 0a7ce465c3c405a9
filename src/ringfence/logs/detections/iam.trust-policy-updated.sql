-- id: iam.trust-policy-updated
-- title: Role trust policy updated
-- severity: medium
-- technique: T1098.003
-- message: Trust policy of role {detail} replaced
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.roleName') AS detail
FROM cloudtrail
WHERE event_source = 'iam.amazonaws.com' AND event_name = 'UpdateAssumeRolePolicy' AND error_code IS NULL
