-- id: route53resolver.query-logging-deleted
-- title: Route 53 Resolver query logging removed
-- severity: medium
-- technique: T1562.008
-- message: DNS query logging removed: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, event_name || ' ' || coalesce(json_extract_string(request_parameters, '$.resolverQueryLogConfigId'), '') AS detail
FROM cloudtrail
WHERE event_source = 'route53resolver.amazonaws.com'
  AND event_name IN ('DeleteResolverQueryLogConfig', 'DisassociateResolverQueryLogConfig')
