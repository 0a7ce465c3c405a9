-- id: rolesanywhere.trust-anchor-created
-- title: IAM Roles Anywhere trust anchor created
-- severity: medium
-- technique: T1098
-- message: Trust anchor {detail}: certificates it signs can obtain role credentials
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.name') AS detail
FROM cloudtrail
WHERE event_source = 'rolesanywhere.amazonaws.com' AND event_name IN ('CreateTrustAnchor', 'UpdateTrustAnchor') AND error_code IS NULL
