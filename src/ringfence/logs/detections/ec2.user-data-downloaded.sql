-- id: ec2.user-data-downloaded
-- title: EC2 user data read in bulk
-- severity: medium
-- technique: T1552.005
-- message: {count} user-data reads in an hour (user data often holds secrets): {detail}
WITH hits AS (
  SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.instanceId') AS detail, date_trunc('hour', event_time) AS bucket
  FROM cloudtrail
  WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'DescribeInstanceAttribute' AND json_extract_string(request_parameters, '$.attribute') = 'userData'
),
bursts AS (SELECT principal, source_ip, bucket FROM hits GROUP BY principal, source_ip, bucket HAVING count(DISTINCT ref) >= 5)
SELECT h.ref, h.event_time, h.principal, h.source_ip, h.detail
FROM hits h JOIN bursts b ON h.principal = b.principal AND h.source_ip IS NOT DISTINCT FROM b.source_ip AND h.bucket = b.bucket
