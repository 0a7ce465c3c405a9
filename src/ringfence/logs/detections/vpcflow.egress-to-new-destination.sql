-- id: vpcflow.egress-to-new-destination
-- title: Unusual egress volume to a new destination
-- severity: medium
-- technique: T1048
-- guardduty: Behavior:EC2/TrafficVolumeUnusual
-- table: flowlogs
-- message: {count} flows (100 MB or more in a day) from {source_ip} to {detail}, never reached before
WITH out AS (
  SELECT record_ref AS ref, start_time AS event_time, srcaddr, dstaddr, bytes, day,
    coalesce(instance_id, interface_id, srcaddr) AS principal
  FROM flowlogs
  WHERE action = 'ACCEPT' AND regexp_matches(lower(srcaddr), '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|0\.|f[cd]|fe80|::1$|-)') AND NOT regexp_matches(lower(dstaddr), '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|0\.|f[cd]|fe80|::1$|-)')
    AND coalesce(flow_direction, 'egress') = 'egress'
),
src_first AS (SELECT srcaddr, min(day) AS d0 FROM out GROUP BY srcaddr),
pair_first AS (SELECT srcaddr, dstaddr, min(day) AS d1 FROM out GROUP BY srcaddr, dstaddr),
big AS (
  SELECT o.srcaddr, o.dstaddr, o.day FROM out o
  JOIN pair_first p ON o.srcaddr = p.srcaddr AND o.dstaddr = p.dstaddr AND o.day = p.d1
  JOIN src_first s ON o.srcaddr = s.srcaddr
  WHERE p.d1 > s.d0
  GROUP BY o.srcaddr, o.dstaddr, o.day HAVING sum(o.bytes) >= 104857600
)
SELECT o.ref, o.event_time, o.principal, o.srcaddr AS source_ip, o.dstaddr AS detail
FROM out o JOIN big b ON o.srcaddr = b.srcaddr AND o.dstaddr = b.dstaddr AND o.day = b.day
