-- id: iam.login-profile-for-other-user
-- title: Console password set for another user
-- severity: high
-- technique: T1098
-- guardduty: Persistence:IAMUser/AnomalousBehavior
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, event_name || ' ' || json_extract_string(request_parameters, '$.userName') AS detail
FROM cloudtrail
WHERE event_source = 'iam.amazonaws.com' AND event_name IN ('CreateLoginProfile', 'UpdateLoginProfile') AND error_code IS NULL
  AND json_extract_string(request_parameters, '$.userName') IS NOT NULL AND json_extract_string(request_parameters, '$.userName') <> coalesce(user_name, '')
