-- id: vpcflow.port-scan
-- title: Port scan
-- severity: medium
-- technique: T1046
-- guardduty: Recon:EC2/Portscan
-- table: flowlogs
-- group: target
-- message: {source_ip} probed {count} flows on {detail} within an hour
WITH hits AS (
  SELECT record_ref AS ref, start_time AS event_time, dstaddr, srcaddr, dstport,
    coalesce(instance_id, interface_id, dstaddr) AS principal, date_trunc('hour', start_time) AS bucket
  FROM flowlogs WHERE dstport IS NOT NULL AND coalesce(flow_direction, 'ingress') = 'ingress'
),
scans AS (SELECT srcaddr, dstaddr, bucket FROM hits GROUP BY srcaddr, dstaddr, bucket HAVING count(DISTINCT dstport) >= 20)
SELECT h.ref, h.event_time, h.principal, h.srcaddr AS source_ip, h.dstaddr AS detail
FROM hits h JOIN scans s ON h.srcaddr = s.srcaddr AND h.dstaddr = s.dstaddr AND h.bucket = s.bucket
