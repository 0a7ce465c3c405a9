-- id: s3.bucket-made-public
-- title: S3 bucket policy or ACL grants public access
-- severity: high
-- technique: T1530
-- guardduty: Policy:S3/BucketAnonymousAccessGranted
-- message: Bucket {detail} opened to everyone
SELECT event_id AS ref, event_time, principal, source_ip, json_extract_string(request_parameters, '$.bucketName') AS detail
FROM cloudtrail
WHERE event_source = 's3.amazonaws.com' AND error_code IS NULL AND (
  (event_name = 'PutBucketPolicy' AND regexp_matches(CAST(request_parameters AS VARCHAR), '"(Principal|AWS)\\?"\s*:\s*(\[\s*)?\\?"\*\\?"'))
  OR (event_name = 'PutBucketAcl' AND regexp_matches(CAST(request_parameters AS VARCHAR), 'acs.amazonaws.com/groups/global/(AllUsers|AuthenticatedUsers)')))
