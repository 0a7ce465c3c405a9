-- id: s3.public-access-block-removed
-- title: S3 Block Public Access removed or relaxed
-- severity: high
-- technique: T1530
-- guardduty: Policy:S3/BucketBlockPublicAccessDisabled
-- attempts: reported
-- message: {detail}
SELECT event_id AS ref, event_time, principal, source_ip, event_name || ' ' || coalesce(json_extract_string(request_parameters, '$.bucketName'), 'account') AS detail, error_code IS NOT NULL AS failed
FROM cloudtrail
WHERE (event_name IN ('DeleteBucketPublicAccessBlock', 'DeleteAccountPublicAccessBlock')
    OR (event_name IN ('PutBucketPublicAccessBlock', 'PutAccountPublicAccessBlock')
      AND regexp_matches(lower(CAST(request_parameters AS VARCHAR)), '"(blockpublicacls|ignorepublicacls|blockpublicpolicy|restrictpublicbuckets)" *: *false')))
