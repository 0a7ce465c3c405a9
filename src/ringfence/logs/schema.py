"""The fixed schema of the log store. Nothing is guessed from the data: every column is declared here,
with the CloudTrail or flow-log field it comes from. `docs/detections.md` documents the same table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # DuckDB type as stored in Parquet
    source: str  # the field of the original record
    doc: str


# The raw CloudTrail keys read from each record, with the type they are read as. Nested objects are kept as
# JSON text (never as guessed structs): records whose nested keys differ only in case stay loadable.
CLOUDTRAIL_RAW: dict[str, str] = {
    "eventVersion": "VARCHAR",
    "userIdentity": "JSON",
    "eventTime": "VARCHAR",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "userAgent": "VARCHAR",
    "errorCode": "VARCHAR",
    "errorMessage": "VARCHAR",
    "requestParameters": "JSON",
    "responseElements": "JSON",
    "additionalEventData": "JSON",
    "requestID": "VARCHAR",
    "eventID": "VARCHAR",
    "readOnly": "BOOLEAN",
    "resources": "JSON",
    "eventType": "VARCHAR",
    "managementEvent": "BOOLEAN",
    "recipientAccountId": "VARCHAR",
    "eventCategory": "VARCHAR",
    "sharedEventID": "VARCHAR",
    "vpcEndpointId": "VARCHAR",
    "tlsDetails": "JSON",
}

CLOUDTRAIL: tuple[Column, ...] = (
    Column("event_id", "VARCHAR", "eventID", "unique id of the event"),
    Column("event_time", "TIMESTAMP", "eventTime", "UTC time of the call"),
    Column("event_version", "VARCHAR", "eventVersion", "record format version"),
    Column("event_source", "VARCHAR", "eventSource", "service endpoint, e.g. iam.amazonaws.com"),
    Column("event_name", "VARCHAR", "eventName", "API action, e.g. StopLogging"),
    Column("event_source_lc", "VARCHAR", "eventSource", "event_source in lower case (Sigma matching)"),
    Column("event_name_lc", "VARCHAR", "eventName", "event_name in lower case (Sigma matching)"),
    Column("event_type", "VARCHAR", "eventType", "AwsApiCall, AwsConsoleSignIn, ..."),
    Column("event_category", "VARCHAR", "eventCategory", "Management, Data, Insight"),
    Column("aws_region", "VARCHAR", "awsRegion", "region the call was made to"),
    Column("source_ip", "VARCHAR", "sourceIPAddress", "caller address or service name"),
    Column("user_agent", "VARCHAR", "userAgent", "client user agent"),
    Column("error_code", "VARCHAR", "errorCode", "AccessDenied, ... (null on success)"),
    Column("error_message", "VARCHAR", "errorMessage", "error text"),
    Column("read_only", "BOOLEAN", "readOnly", "true for read-only calls"),
    Column("management_event", "BOOLEAN", "managementEvent", "management (control-plane) event"),
    Column("recipient_account_id", "VARCHAR", "recipientAccountId", "account that received the event"),
    Column("request_id", "VARCHAR", "requestID", "request id"),
    Column("shared_event_id", "VARCHAR", "sharedEventID", "id shared by cross-account copies"),
    Column("vpc_endpoint_id", "VARCHAR", "vpcEndpointId", "VPC endpoint the call came through"),
    Column("user_type", "VARCHAR", "userIdentity.type", "Root, IAMUser, AssumedRole, AWSService, ..."),
    Column("user_arn", "VARCHAR", "userIdentity.arn", "caller ARN"),
    Column("user_name", "VARCHAR", "userIdentity.userName", "IAM user name (or root alias)"),
    Column("principal_id", "VARCHAR", "userIdentity.principalId", "unique principal id"),
    Column("user_account_id", "VARCHAR", "userIdentity.accountId", "account owning the caller"),
    Column("access_key_id", "VARCHAR", "userIdentity.accessKeyId", "access key used"),
    Column(
        "invoked_by", "VARCHAR", "userIdentity.invokedBy", "service that made the call on the user's behalf"
    ),
    Column(
        "session_issuer_type",
        "VARCHAR",
        "userIdentity.sessionContext.sessionIssuer.type",
        "Role, IAMUser, Root for temporary credentials",
    ),
    Column(
        "session_issuer_arn",
        "VARCHAR",
        "userIdentity.sessionContext.sessionIssuer.arn",
        "role (or user) the session was issued for",
    ),
    Column(
        "mfa_authenticated",
        "VARCHAR",
        "userIdentity.sessionContext.attributes.mfaAuthenticated",
        "'true'/'false' as logged",
    ),
    Column("user_identity", "JSON", "userIdentity", "the whole userIdentity object"),
    Column("request_parameters", "JSON", "requestParameters", "request parameters as JSON text"),
    Column("response_elements", "JSON", "responseElements", "response elements as JSON text"),
    Column("additional_event_data", "JSON", "additionalEventData", "additional event data as JSON text"),
    Column("resources", "JSON", "resources", "resources list as JSON text"),
    Column("tls_details", "JSON", "tlsDetails", "TLS details as JSON text"),
    Column("source_file", "VARCHAR", "-", "the log file the event was read from"),
    Column("account", "VARCHAR", "recipientAccountId", "account (else userIdentity.accountId)"),
    Column("region", "VARCHAR", "awsRegion", "region"),
    Column("day", "VARCHAR", "eventTime", "YYYY-MM-DD (UTC)"),
)

# VPC Flow Logs, versions 2 to 8: every field AWS documents, by its header name. The store keeps all of
# them (absent fields are null), with the header's dashes turned into underscores.
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
FLOW_FIELDS: dict[str, str] = {
    "version": "INTEGER",
    "account-id": "VARCHAR",
    "interface-id": "VARCHAR",
    "srcaddr": "VARCHAR",
    "dstaddr": "VARCHAR",
    "srcport": "INTEGER",
    "dstport": "INTEGER",
    "protocol": "INTEGER",
    "packets": "BIGINT",
    "bytes": "BIGINT",
    "start": "BIGINT",
    "end": "BIGINT",
    "action": "VARCHAR",
    "log-status": "VARCHAR",
    "vpc-id": "VARCHAR",
    "subnet-id": "VARCHAR",
    "instance-id": "VARCHAR",
    "tcp-flags": "INTEGER",
    "type": "VARCHAR",
    "pkt-srcaddr": "VARCHAR",
    "pkt-dstaddr": "VARCHAR",
    "region": "VARCHAR",
    "az-id": "VARCHAR",
    "sublocation-type": "VARCHAR",
    "sublocation-id": "VARCHAR",
    "pkt-src-aws-service": "VARCHAR",
    "pkt-dst-aws-service": "VARCHAR",
    "flow-direction": "VARCHAR",
    "traffic-path": "INTEGER",
    "ecs-cluster-arn": "VARCHAR",
    "ecs-cluster-name": "VARCHAR",
    "ecs-container-instance-arn": "VARCHAR",
    "ecs-container-instance-id": "VARCHAR",
    "ecs-container-id": "VARCHAR",
    "ecs-second-container-id": "VARCHAR",
    "ecs-service-name": "VARCHAR",
    "ecs-task-definition-arn": "VARCHAR",
    "ecs-task-arn": "VARCHAR",
    "ecs-task-id": "VARCHAR",
    "reject-reason": "VARCHAR",
}


# The version 2 default format: what a file without a header line holds.
def parse_flow_format(text: str) -> tuple[str, ...]:
    """`--flow-format`: the fields of flow log lines without a header, in order, as AWS writes a custom
    format (`${version} ${srcaddr} ...`) or as a plain list (spaces or commas). Raises ValueError naming
    a field that is not one of AWS's or that comes twice."""
    names = [t.strip().removeprefix("${").removesuffix("}") for t in text.replace(",", " ").split()]
    if not names:
        raise ValueError("no field given")
    unknown = [n for n in names if n not in FLOW_FIELDS]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a flow log field (see the VPC flow log record fields)")
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise ValueError(f"{twice!r} is given twice")
    return tuple(names)


FLOW_DEFAULT_FORMAT: tuple[str, ...] = (
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
)


def flow_column(field: str) -> str:
    """The store's column for a flow log field: dashes become underscores, and `region` is `aws_region`
    (as in CloudTrail) so that it does not collide with the `region` column."""
    return "aws_region" if field == "region" else field.replace("-", "_")


FLOWLOGS: tuple[Column, ...] = (
    *(Column(flow_column(f), t, f, "flow log field") for f, t in FLOW_FIELDS.items()),
    Column("start_time", "TIMESTAMP", "start", "start as a UTC timestamp"),
    Column("record_ref", "VARCHAR", "-", "<file>:<line> of the record"),
    Column("source_file", "VARCHAR", "-", "the log file the record was read from"),
    Column("account", "VARCHAR", "account-id", "account"),
    Column("region", "VARCHAR", "region", "region ('unknown' when the format has none)"),
    Column("day", "VARCHAR", "start", "YYYY-MM-DD (UTC)"),
)


def duckdb_columns(raw: dict[str, str]) -> str:
    """The `columns={...}` argument of DuckDB's read_json/read_csv for `raw`."""
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in raw.items()) + "}"
