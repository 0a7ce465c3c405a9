-- id: ec2.unusual-instance-type-launched
-- title: GPU or very large EC2 instances launched
-- severity: medium
-- technique: T1496
-- attempts: reported
-- message: RunInstances of {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.instanceType.value'), json_extract_string(request_parameters, '$.instanceType')) || coalesce(' (' || error_code || ')', '') AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name IN ('RunInstances', 'ModifyInstanceAttribute')
  AND regexp_matches(lower(coalesce(json_extract_string(request_parameters, '$.instanceType.value'), json_extract_string(request_parameters, '$.instanceType'), '')), '^(p[0-9]|g[0-9]|inf[0-9]|trn[0-9]|dl[0-9]|f[0-9]|vt[0-9]|x[0-9]|u-|hpc[0-9])')
