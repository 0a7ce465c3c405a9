-- id: iam.role-trusts-external-account
-- title: Role made assumable from another account
-- severity: high
-- technique: T1098.003
-- message: {detail}
SELECT ref, event_time, principal, source_ip, detail
FROM (
  SELECT event_id AS ref, event_time, principal, source_ip,
    coalesce(json_extract_string(request_parameters, '$.roleName'), '') || ' trusts ' || regexp_extract(coalesce(json_extract_string(request_parameters, '$.assumeRolePolicyDocument'), json_extract_string(request_parameters, '$.policyDocument')), 'arn:aws:iam::([0-9]{12}):', 1) AS detail,
    regexp_extract(coalesce(json_extract_string(request_parameters, '$.assumeRolePolicyDocument'), json_extract_string(request_parameters, '$.policyDocument')), 'arn:aws:iam::([0-9]{12}):', 1) AS trusted,
    recipient_account_id
  FROM cloudtrail
  WHERE event_source = 'iam.amazonaws.com' AND event_name IN ('CreateRole', 'UpdateAssumeRolePolicy') AND error_code IS NULL
) t
WHERE trusted IS NOT NULL AND trusted <> '' AND trusted <> coalesce(recipient_account_id, '')
