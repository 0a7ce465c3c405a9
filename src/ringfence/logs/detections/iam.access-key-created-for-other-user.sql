-- id: iam.access-key-created-for-other-user
-- title: Access key created for another user
-- severity: high
-- technique: T1098.001
-- guardduty: Persistence:IAMUser/AnomalousBehavior
-- message: Access key created for user {detail}
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.userName') AS detail
FROM cloudtrail
WHERE event_source = 'iam.amazonaws.com' AND event_name = 'CreateAccessKey' AND error_code IS NULL
  AND json_extract_string(request_parameters, '$.userName') IS NOT NULL AND json_extract_string(request_parameters, '$.userName') <> coalesce(user_name, '')
