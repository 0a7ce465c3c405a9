-- id: iam.access-denied-burst
-- title: Burst of denied calls (reconnaissance)
-- severity: medium
-- technique: T1580
-- guardduty: Discovery:IAMUser/AnomalousBehavior
-- message: {count} denied calls within an hour: {detail}
WITH hits AS (
  SELECT event_id AS ref, event_time, principal, source_ip, event_name AS detail, date_trunc('hour', event_time) AS bucket
  FROM cloudtrail
  WHERE error_code IN ('AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation', 'UnauthorizedOperation',
    'Client.UnauthorizedAccess', 'UnauthorizedAccess')
),
bursts AS (SELECT principal, source_ip, bucket FROM hits GROUP BY principal, source_ip, bucket HAVING count(DISTINCT ref) >= 10)
SELECT h.ref, h.event_time, h.principal, h.source_ip, h.detail
FROM hits h JOIN bursts b ON h.principal = b.principal AND h.source_ip IS NOT DISTINCT FROM b.source_ip AND h.bucket = b.bucket
