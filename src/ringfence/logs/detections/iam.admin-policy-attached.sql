-- id: iam.admin-policy-attached
-- title: Administrator policy attached
-- severity: high
-- technique: T1098.003
-- guardduty: Persistence:IAMUser/AnomalousBehavior
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.policyArn') || ' -> ' || coalesce(json_extract_string(request_parameters, '$.userName'), json_extract_string(request_parameters, '$.roleName'), json_extract_string(request_parameters, '$.groupName'), '?') AS detail
FROM cloudtrail
WHERE event_source = 'iam.amazonaws.com' AND event_name IN ('AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy')
  AND json_extract_string(request_parameters, '$.policyArn') IN ('arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:iam::aws:policy/IAMFullAccess',
    'arn:aws:iam::aws:policy/PowerUserAccess')
  AND error_code IS NULL
