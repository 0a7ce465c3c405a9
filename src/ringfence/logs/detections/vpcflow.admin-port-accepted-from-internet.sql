-- id: vpcflow.admin-port-accepted-from-internet
-- title: SSH or RDP accepted from the internet
-- severity: high
-- technique: T1133
-- table: flowlogs
-- message: {count} accepted flows from {source_ip} to {detail}
SELECT record_ref AS ref, start_time AS event_time, coalesce(instance_id, interface_id, dstaddr) AS principal, srcaddr AS source_ip, dstaddr || ':' || CAST(dstport AS VARCHAR) AS detail
FROM flowlogs
WHERE action = 'ACCEPT' AND protocol = 6 AND dstport IN (22, 3389)
  AND NOT regexp_matches(lower(srcaddr), '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|0\.|f[cd]|fe80|::1$|-)')
  AND coalesce(flow_direction, 'ingress') = 'ingress'
