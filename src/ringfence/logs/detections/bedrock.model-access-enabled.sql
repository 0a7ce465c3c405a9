-- id: bedrock.model-access-enabled
-- title: Bedrock model access enabled
-- severity: medium
-- technique: T1496
-- message: {detail}: model access switched on (LLM hijacking starts here)
SELECT event_id AS ref, event_time, principal, source_ip, event_name AS detail
FROM cloudtrail
WHERE event_source = 'bedrock.amazonaws.com'
  AND event_name IN ('PutUseCaseForModelAccess', 'CreateFoundationModelAgreement', 'PutFoundationModelEntitlement')
