-- id: vpcflow.port-sweep
-- title: Port sweep across hosts
-- severity: medium
-- technique: T1046
-- guardduty: Recon:EC2/PortProbeUnprotectedPort
-- table: flowlogs
-- message: {source_ip} swept {principal} on many hosts: {detail}
WITH hits AS (
  SELECT record_ref AS ref, start_time AS event_time, dstaddr, srcaddr, dstport, date_trunc('hour', start_time) AS bucket
  FROM flowlogs WHERE dstport IS NOT NULL AND coalesce(flow_direction, 'ingress') = 'ingress'
),
sweeps AS (SELECT srcaddr, dstport, bucket FROM hits GROUP BY srcaddr, dstport, bucket HAVING count(DISTINCT dstaddr) >= 20)
SELECT h.ref, h.event_time, 'port ' || CAST(h.dstport AS VARCHAR) AS principal, h.srcaddr AS source_ip, h.dstaddr AS detail
FROM hits h JOIN sweeps s ON h.srcaddr = s.srcaddr AND h.dstport = s.dstport AND h.bucket = s.bucket
