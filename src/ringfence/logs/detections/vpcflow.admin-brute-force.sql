-- id: vpcflow.admin-brute-force
-- title: SSH or RDP brute force from the internet
-- severity: high
-- technique: T1110
-- guardduty: UnauthorizedAccess:EC2/SSHBruteForce
-- table: flowlogs
-- group: target
-- message: {count} connection attempts from {source_ip} to {detail} within an hour
WITH hits AS (
  SELECT record_ref AS ref, start_time AS event_time, coalesce(instance_id, interface_id, dstaddr) AS principal,
    srcaddr, dstaddr, dstport, date_trunc('hour', start_time) AS bucket
  FROM flowlogs
  WHERE protocol = 6 AND dstport IN (22, 3389) AND NOT regexp_matches(lower(srcaddr), '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|0\.|f[cd]|fe80|::1$|-)')
    AND coalesce(flow_direction, 'ingress') = 'ingress'
),
bursts AS (SELECT srcaddr, dstaddr, dstport, bucket FROM hits GROUP BY srcaddr, dstaddr, dstport, bucket HAVING count(*) >= 30)
SELECT h.ref, h.event_time, h.principal, h.srcaddr AS source_ip, h.dstaddr || ':' || CAST(h.dstport AS VARCHAR) AS detail
FROM hits h JOIN bursts b ON h.srcaddr = b.srcaddr AND h.dstaddr = b.dstaddr AND h.dstport = b.dstport AND h.bucket = b.bucket
