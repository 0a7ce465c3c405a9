-- id: organizations.leave-organization
-- title: Account tried to leave its AWS Organization
-- severity: high
-- technique: T1562
-- message: LeaveOrganization ({detail}): the account would escape the organisation's SCPs
SELECT event_id AS ref, event_time, principal, source_ip, coalesce(error_code, 'succeeded') AS detail
FROM cloudtrail
WHERE event_source = 'organizations.amazonaws.com' AND event_name = 'LeaveOrganization'
