-- id: signin.console-login-without-mfa
-- title: Console sign-in without MFA
-- severity: medium
-- technique: T1078.004
-- message: Successful console sign-in without MFA by {principal}
-- description: MFAUsed is compared case-insensitively: it is logged as Yes/No in varying case.
SELECT event_id AS ref, event_time, principal, source_ip, user_arn AS detail
FROM cloudtrail
WHERE event_name = 'ConsoleLogin' AND lower(json_extract_string(additional_event_data, '$.MFAUsed')) = 'no'
  AND lower(json_extract_string(response_elements, '$.ConsoleLogin')) = 'success'
  AND user_type IN ('IAMUser', 'Root')
