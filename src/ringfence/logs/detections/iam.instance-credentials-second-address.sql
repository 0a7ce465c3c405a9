-- id: iam.instance-credentials-second-address
-- title: EC2 instance credentials used from a second address
-- severity: high
-- technique: T1552.005
-- guardduty: UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS
-- message: Instance role session also used from {source_ip} ({detail}), not only from the instance's own address
-- description: An instance calls AWS from one address; the same session from another one means its credentials were copied.
WITH sess AS (
  SELECT event_id AS ref, event_time, principal, source_ip, event_name AS detail
  FROM cloudtrail
  WHERE user_type = 'AssumedRole' AND user_arn LIKE '%/i-%' AND regexp_matches(coalesce(user_arn, ''), ':assumed-role/[^/]+/i-[0-9a-fA-F]{8,17}$')
    AND regexp_matches(coalesce(source_ip, ''), '^[0-9a-fA-F:.]+$') AND invoked_by IS NULL
),
per_ip AS (SELECT principal, source_ip, count(*) AS n, min(event_time) AS first_t FROM sess GROUP BY principal, source_ip),
home AS (
  SELECT principal, source_ip FROM (
    SELECT principal, source_ip, row_number() OVER (PARTITION BY principal ORDER BY n DESC, first_t, source_ip) AS rk
    FROM per_ip) r
  WHERE rk = 1
)
SELECT s.ref, s.event_time, s.principal, s.source_ip, s.detail
FROM sess s JOIN home h ON s.principal = h.principal
WHERE s.source_ip <> h.source_ip
