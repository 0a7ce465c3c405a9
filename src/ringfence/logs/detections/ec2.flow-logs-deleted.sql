-- id: ec2.flow-logs-deleted
-- title: VPC flow logs deleted
-- severity: high
-- technique: T1562.008
-- attempts: reported
-- message: Flow logs deleted: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(json_extract_string(request_parameters, '$.DeleteFlowLogsRequest.FlowLogId.content'), CAST(json_extract(request_parameters, '$.DeleteFlowLogsRequest') AS VARCHAR), '') AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'DeleteFlowLogs'
