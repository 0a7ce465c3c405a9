"""CDK output (``cdk synth`` writes ``cdk.out``): its ``manifest.json`` names the stack of each template."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ringfence.sources import walk

_MAX_MANIFEST = 16 * 1024 * 1024


def stack_names(folder: Path) -> Mapping[Path, str]:
    """Template file -> stack name, from every ``cdk.out/manifest.json`` under ``folder`` (or ``folder``
    itself when it is a ``cdk.out``); a manifest that cannot be read names nothing."""
    out: dict[Path, str] = {}
    for current, files in walk(folder):
        if "manifest.json" not in files or not any(
            (current / f).name.endswith(".template.json") for f in files
        ):
            continue
        manifest = current / "manifest.json"
        try:
            if manifest.stat().st_size > _MAX_MANIFEST:
                continue
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        artifacts = data.get("artifacts") if isinstance(data, Mapping) else None
        for name, artifact in (artifacts or {}).items() if isinstance(artifacts, Mapping) else ():
            if not isinstance(artifact, Mapping) or artifact.get("type") != "aws:cloudformation:stack":
                continue
            properties = artifact.get("properties")
            template = properties.get("templateFile") if isinstance(properties, Mapping) else None
            if isinstance(template, str) and isinstance(properties, Mapping):
                stack = properties.get("stackName") if isinstance(properties.get("stackName"), str) else name
                out[(current / template).resolve()] = str(stack)
    return out
