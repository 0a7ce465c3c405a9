"""Detections over CloudTrail and VPC Flow Logs.

Modules (nothing heavy is imported until a function runs):

| module | responsibility |
|---|---|
| `schema` | the fixed columns of the store |
| `discover` | finding log files and recognising their kind from their content |
| `cloudtrail`, `flowlogs` | loaders into the store (fast path, and the record-by-record diagnosis) |
| `store`, `ingest` | the Parquet store (a few files per ingest batch), its manifest, incremental ingestion |
| `catalogue`, `detections/*.sql` | ringfence's detections |
| `sigma`, `sigma_rules/` | SigmaHQ rules through ringfence's pySigma backend |
| `engine`, `spark`, `prefilter` | the DuckDB and Spark engines behind one seam |
| `runner`, `report` | running the catalogue, grouping, and the json/sarif/ocsf/text reports |
| `ipranges` | AWS's published address ranges (snapshot shipped in `data/`) |
| `unused` | least privilege from what the logs show was used |
"""
