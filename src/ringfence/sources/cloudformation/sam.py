"""SAM templates (``Transform: AWS::Serverless-2016-10-31``) as the CloudFormation they stand for, through
``aws-sam-translator``: implicit roles, policy templates and event sources become ordinary resources.

The translation runs offline: the managed policies SAM names are resolved from the map bundled with the
translator (no IAM call), and the region is the scan's (no boto3 session is asked). A resource SAM
generates points at the line of the SAM resource it comes from (``MyFunctionRole`` -> ``MyFunction``).
A template SAM refuses is an error with the translator's messages; the other templates are still read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ringfence.model import InputError
from ringfence.sources.yamldoc import Map, Seq, line_of


class _OfflinePolicies:
    """The managed policy loader SAM asks when a name is not in its bundled map: it knows none."""

    def load(self) -> dict[str, str]:
        return {}


def translate(
    template: Map, label: str, collected: Any, region: str, parameters: Mapping[str, Any]
) -> Map | None:
    """The CloudFormation template ``template`` (a SAM template) stands for; None, with the translator's
    messages as errors of ``label``, when SAM refuses it."""
    import boto3
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator

    ArnGenerator.BOTO_SESSION_REGION_NAME = region
    # A session built with its region set reads no configuration and calls nothing: SAM asks it for the
    # region only.
    session = boto3.session.Session(
        region_name=region, aws_access_key_id="none", aws_secret_access_key="none"
    )
    translator = Translator(None, Parser(), boto_session=session)
    try:
        out = translator.translate(
            _packaged(_plain(template)),
            parameter_values=dict(parameters),
            get_managed_policy_map=_OfflinePolicies().load,
        )
    except InvalidDocumentException as exc:
        for cause in exc.causes or [exc]:
            collected.errors.append(InputError(label, None, f"SAM: {cause.message}"))
        return None
    except ExceptionWithMessage as exc:
        collected.errors.append(InputError(label, None, f"SAM: {exc.message}"))
        return None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        collected.errors.append(InputError(label, None, f"SAM: the template could not be translated: {exc}"))
        return None
    return _with_lines(out, template)


# SAM properties that name local code or documents: `sam package` uploads them and writes an S3 URI, which
# the translator requires. Offline, a local path is written as an S3 URI naming it (nothing is uploaded).
_LOCAL_ARTIFACTS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


def _packaged(template: dict[str, Any]) -> dict[str, Any]:
    """The template as `sam package` leaves it: local artifacts named by S3 URIs, and an application
    whose ``Location`` is a local template as the nested stack it becomes."""
    resources = template.get("Resources")
    for body in resources.values() if isinstance(resources, dict) else ():
        if not isinstance(body, dict) or not isinstance(body.get("Properties"), dict):
            continue
        properties = body["Properties"]
        kind = body.get("Type")
        key = _LOCAL_ARTIFACTS.get(str(kind))
        if key and isinstance(properties.get(key), str) and "://" not in properties[key]:
            properties[key] = f"s3://local-artifact/{properties[key].strip('/') or 'code'}"
        location = properties.get("Location")
        if kind == "AWS::Serverless::Application" and isinstance(location, str) and "://" not in location:
            body["Type"] = "AWS::CloudFormation::Stack"
            body["Properties"] = {"TemplateURL": location, "Parameters": properties.get("Parameters", {})}
    return template


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _with_lines(out: Mapping[str, Any], original: Map) -> Map:
    """The translated template with lines taken from the SAM template: a resource keeps its own, a
    generated one takes its SAM resource's, every value inside a resource its resource's."""
    written = original.get("Resources")
    lines: dict[str, int] = (
        {str(k): line_of(written, k) or original.line for k in written} if isinstance(written, Map) else {}
    )

    def line_for(logical: str) -> int:
        if logical in lines:
            return lines[logical]
        owners = [name for name in lines if logical.startswith(name)]
        return lines[max(owners, key=len)] if owners else original.line

    top = Map(original.line)
    for key, value in out.items():
        top[key] = _lined(value, line_of(original, key) or original.line) if key != "Resources" else value
        top.key_lines[key] = line_of(original, key) or original.line
    resources = out.get("Resources")
    if isinstance(resources, Mapping):
        lined = Map(line_of(original, "Resources") or original.line)
        for logical, body in resources.items():
            line = line_for(str(logical))
            lined[logical] = _lined(body, line)
            lined.key_lines[logical] = line
        top["Resources"] = lined
    return top


def _lined(value: Any, line: int) -> Any:
    if isinstance(value, Mapping):
        out = Map(line)
        for key, item in value.items():
            out[key] = _lined(item, line)
            out.key_lines[key] = line
        return out
    if isinstance(value, list):
        seq = Seq(line)
        for item in value:
            seq.append(_lined(item, line))
            seq.item_lines.append(line)
        return seq
    return value
