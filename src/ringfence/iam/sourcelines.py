"""Statement lines in the Terraform file a policy came from.

A policy's JSON text gives lines relative to itself; a heredoc or ``file()`` policy keeps its layout, so the
offset of its ``"Version"`` line gives every statement's line in the ``.tf`` file. A ``jsonencode()`` policy
is one line of JSON: each statement is found in the block by its ``Sid``, else by the n-th ``Effect``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ringfence.iam.policy import Policy

_EFFECT = re.compile(r"""["']?Effect["']?\s*[:=]""")


@lru_cache(maxsize=256)
def _lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return ()


def locate(
    policy: Policy, text: str, root: str, path: str | None, start: int | None, end: int | None
) -> Policy:
    """``policy`` with its statements' lines made absolute in ``root/path`` (unchanged when not found)."""
    if path is None or start is None or not policy.statements:
        return policy
    lines = _lines(str(Path(root) / path) if root else path)
    if not lines:
        return policy
    last = min(end or len(lines), len(lines))
    block = range(start - 1, last)
    if "\n" in text.strip():
        text_lines = text.splitlines()
        at_text = next((i for i, line in enumerate(text_lines) if '"Version"' in line), None)
        at_file = next((i for i in block if '"Version"' in lines[i]), None)
        if at_text is not None and at_file is not None:
            return replace(policy, line=at_file - at_text + 1)
        return policy
    statements = []
    effects = [i for i in block if _EFFECT.search(lines[i])]
    for s in policy.statements:
        found = None
        if s.sid:
            quoted = f'"{s.sid}"'
            found = next((i for i in block if quoted in lines[i]), None)
            if found is None:
                # A policy document data source elsewhere in the file (aws_iam_policy_document).
                found = next((i for i, line in enumerate(lines) if quoted in line), None)
        if found is None and s.index < len(effects):
            found = effects[s.index]
        statements.append(replace(s, line=found + 1 if found is not None else start))
    return replace(policy, statements=tuple(statements), line=1)
