-- id: s3.bucket-made-public
-- title: S3 bucket policy or ACL grants public or cross-account access
-- severity: high
-- technique: T1530
-- guardduty: Policy:S3/BucketAnonymousAccessGranted
-- filter: public_policy
-- attempts: reported
-- message: Bucket {detail}
SELECT event_id AS ref, event_time, principal, source_ip,
  coalesce(recipient_account_id, '') || '|' || coalesce(json_extract_string(request_parameters, '$.bucketName'), '') || '|' ||
  CASE WHEN event_name = 'PutBucketAcl' THEN 'ACL' ELSE coalesce(CAST(json_extract(request_parameters, '$.bucketPolicy') AS VARCHAR), '') END AS detail,
  error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE event_source = 's3.amazonaws.com' AND (
  event_name = 'PutBucketPolicy'
  OR (event_name = 'PutBucketAcl' AND regexp_matches(CAST(request_parameters AS VARCHAR), 'acs.amazonaws.com/groups/global/(AllUsers|AuthenticatedUsers)')))
