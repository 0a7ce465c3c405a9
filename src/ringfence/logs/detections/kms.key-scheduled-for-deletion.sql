-- id: kms.key-scheduled-for-deletion
-- title: KMS key scheduled for deletion
-- severity: medium
-- technique: T1485
-- message: Key {detail} scheduled for deletion: data encrypted under it becomes unreadable
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.keyId') AS detail
FROM cloudtrail
WHERE event_source = 'kms.amazonaws.com' AND event_name = 'ScheduleKeyDeletion' AND error_code IS NULL
