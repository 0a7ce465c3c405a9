-- id: ssm.bulk-securestring-retrieval
-- title: Many SecureString parameters decrypted at once
-- severity: high
-- technique: T1552
-- guardduty: CredentialAccess:IAMUser/AnomalousBehavior
-- message: {count} decrypting parameter reads in an hour
WITH hits AS (
  SELECT event_id AS ref, event_time, principal, source_ip,
    coalesce(json_extract_string(request_parameters, '$.name'), CAST(json_extract(request_parameters, '$.names') AS VARCHAR), json_extract_string(request_parameters, '$.path'), '') AS detail,
    coalesce(json_array_length(json_extract(request_parameters, '$.names')), 1) AS n,
    date_trunc('hour', event_time) AS bucket
  FROM cloudtrail
  WHERE event_source = 'ssm.amazonaws.com'
    AND event_name IN ('GetParameter', 'GetParameters', 'GetParametersByPath')
    AND lower(CAST(json_extract_string(request_parameters, '$.withDecryption') AS VARCHAR)) = 'true'
),
bursts AS (
  -- each event once: CloudTrail may deliver an event twice, and a copy of a log file holds it again
  SELECT principal, source_ip, bucket FROM (SELECT DISTINCT ref, principal, source_ip, bucket, n FROM hits)
  GROUP BY principal, source_ip, bucket HAVING sum(n) >= 10
)
SELECT h.ref, h.event_time, h.principal, h.source_ip, h.detail
FROM hits h JOIN bursts b ON h.principal = b.principal AND h.source_ip IS NOT DISTINCT FROM b.source_ip AND h.bucket = b.bucket
