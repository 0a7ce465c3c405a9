-- id: useragent.penetration-testing-distribution
-- title: Call from a penetration-testing distribution
-- severity: medium
-- technique: T1078
-- guardduty: PenTest:IAMUser/KaliLinux
-- message: User agent {detail}
SELECT event_id AS ref, event_time, principal, source_ip, user_agent AS detail
FROM cloudtrail
WHERE (lower(user_agent) LIKE '%kali%' OR lower(user_agent) LIKE '%parrot%' OR lower(user_agent) LIKE '%pentoo%')
