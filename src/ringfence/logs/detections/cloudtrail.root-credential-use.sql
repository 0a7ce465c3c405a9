-- id: cloudtrail.root-credential-use
-- title: Root user credentials used
-- severity: high
-- technique: T1078.004
-- guardduty: Policy:IAMUser/RootCredentialUsage
-- message: The root user called {detail}
SELECT event_id AS ref, event_time, principal, source_ip, event_name AS detail
FROM cloudtrail
WHERE user_type = 'Root' AND invoked_by IS NULL AND coalesce(event_type, '') <> 'AwsServiceEvent'
