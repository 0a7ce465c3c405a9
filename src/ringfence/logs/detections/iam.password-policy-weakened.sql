-- id: iam.password-policy-weakened
-- title: Account password policy weakened or deleted
-- severity: medium
-- technique: T1556
-- guardduty: Policy:IAMUser/PasswordPolicyChange
-- message: {detail}: below CIS 1.8 (length 14, all character classes)
SELECT event_id AS ref, event_time, principal, source_ip, event_name AS detail
FROM cloudtrail
WHERE event_source = 'iam.amazonaws.com' AND error_code IS NULL AND (event_name = 'DeleteAccountPasswordPolicy'
  OR (event_name = 'UpdateAccountPasswordPolicy' AND (
    coalesce(CAST(json_extract_string(request_parameters, '$.minimumPasswordLength') AS INTEGER), 6) < 14
    OR lower(coalesce(json_extract_string(request_parameters, '$.requireSymbols'), 'false')) = 'false'
    OR lower(coalesce(json_extract_string(request_parameters, '$.requireNumbers'), 'false')) = 'false'
    OR lower(coalesce(json_extract_string(request_parameters, '$.requireUppercaseCharacters'), 'false')) = 'false'
    OR lower(coalesce(json_extract_string(request_parameters, '$.requireLowercaseCharacters'), 'false')) = 'false')))
