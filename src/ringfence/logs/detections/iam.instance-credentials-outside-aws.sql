-- id: iam.instance-credentials-outside-aws
-- title: EC2 instance credentials used from outside AWS
-- severity: high
-- technique: T1552.005
-- guardduty: UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS
-- filter: outside_aws
-- message: Instance role session called {detail} from an internet address outside AWS's published ranges
-- description: The address test uses the AWS ip-ranges snapshot shipped with ringfence; private ranges are not 'outside'.
SELECT event_id AS ref, event_time, principal, source_ip, event_name AS detail
FROM cloudtrail
WHERE user_type = 'AssumedRole' AND user_arn LIKE '%/i-%' AND regexp_matches(coalesce(user_arn, ''), ':assumed-role/[^/]+/i-[0-9a-fA-F]{8,17}$')
