-- id: ec2.security-group-opened-to-world
-- title: Security group ingress opened to the whole internet
-- severity: medium
-- technique: T1562.007
-- message: Ingress open to /0 on {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.groupId'), json_extract_string(request_parameters, '$.groupName'), '') || ' port ' || coalesce(CAST(json_extract_string(request_parameters, '$.fromPort') AS VARCHAR), json_extract_string(request_parameters, '$.ipPermissions.items[0].fromPort'), 'all') AS detail
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'AuthorizeSecurityGroupIngress' AND error_code IS NULL
  AND regexp_matches(CAST(request_parameters AS VARCHAR), '"cidrIp(v6)?"\s*:\s*"[^"]*/0"')
