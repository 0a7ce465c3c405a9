-- id: secretsmanager.bulk-secret-retrieval
-- title: Many secrets read at once
-- severity: high
-- technique: T1555.006
-- guardduty: CredentialAccess:IAMUser/AnomalousBehavior
-- message: {count} secret reads in an hour: {detail}
WITH hits AS (
  SELECT event_id AS ref, event_time, principal, source_ip, event_name,
    coalesce(json_extract_string(request_parameters, '$.secretId'), CAST(json_extract(request_parameters, '$.filters') AS VARCHAR), '') AS detail,
    date_trunc('hour', event_time) AS bucket
  FROM cloudtrail
  WHERE event_source = 'secretsmanager.amazonaws.com' AND event_name IN ('GetSecretValue', 'BatchGetSecretValue')
),
bursts AS (
  SELECT principal, source_ip, bucket FROM hits GROUP BY principal, source_ip, bucket
  HAVING count(DISTINCT detail) >= 5 OR sum(CASE WHEN event_name = 'BatchGetSecretValue' THEN 1 ELSE 0 END) > 0
)
SELECT h.ref, h.event_time, h.principal, h.source_ip, h.detail
FROM hits h JOIN bursts b ON h.principal = b.principal AND h.source_ip IS NOT DISTINCT FROM b.source_ip AND h.bucket = b.bucket
