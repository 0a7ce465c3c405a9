"""Intents: what must and must not be reachable (``ringfence.yaml`` at the estate's root, or a file).

```yaml
intents:
  - name: databases-stay-private
    from: internet
    to: {tag: {tier: db}}        # an address, a list of addresses, or a tag selector
    must: not-reach              # any port unless port/protocol are given
```
Each (from, to) pair is one reach query; a ``not-reach`` intent fails when any pair is reachable, a
``reach`` intent when any pair is not. A pair that cannot be decided is ``unknown``, never a pass.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ringfence.model import Estate
from ringfence.network.endpoints import placements
from ringfence.network.reach import PROTOCOLS, ReachResult, UnresolvedName, reach
from ringfence.network.topology import Network, network_of

INTENTS_FILE = "ringfence.yaml"
_INTENT_KEYS = frozenset({"name", "description", "from", "to", "must", "port", "protocol"})
Must = Literal["reach", "not-reach"]


class IntentError(ValueError):
    """An intents file that cannot be read; ``path`` and ``line`` point at the problem."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line or 0}: {message}")


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    source: Any  # str | list[str] | {"tag": {...}}
    target: Any
    must: Must
    port: int | None = None
    protocol: str | None = None
    path: str = ""
    line: int | None = None
    # The Terraform root (folder label) whose `ringfence.yaml` holds the intent: its addresses and tag
    # selectors name that root's resources. None: the whole estate.
    root: str | None = None

    @property
    def rule_id(self) -> str:
        return f"intent.{self.name}"


@dataclass(frozen=True, slots=True)
class IntentResult:
    intent: Intent
    source: str
    target: str
    status: Literal["pass", "fail", "unknown"]
    reach: ReachResult | None
    message: str

    @property
    def resource(self) -> str:
        """The resource a finding is about: the destination, or the source when the destination is not a
        resource (the internet, a CIDR)."""
        if self.reach is not None and self.reach.target_resource is not None:
            return self.reach.target_resource
        if self.reach is not None and self.reach.source_resource is not None:
            return self.reach.source_resource
        return self.target

    @property
    def detail(self) -> str:
        """What distinguishes this result among the intent's pairs (for the fingerprint)."""
        return f"{self.source} -> {self.target}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.intent.rule_id,
            "status": self.status,
            "from": self.source,
            "to": self.target,
            "message": self.message,
        }
        if self.reach is not None:
            out["reach"] = self.reach.to_json()
        return out


def find_intents_file(estate: Estate) -> str | None:
    root = estate.root_path
    if not root:
        return None
    folder = root if os.path.isdir(root) else os.path.dirname(root)
    candidate = os.path.join(folder, INTENTS_FILE)
    return candidate if os.path.isfile(candidate) else None


def parse_intents(text: str, path: str = INTENTS_FILE) -> list[Intent]:
    import yaml

    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise IntentError(path, mark.line + 1 if mark else None, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise IntentError(path, None, "nested too deep to read") from None
    if data is None:
        return []
    if not isinstance(data, Mapping) or not isinstance(data.get("intents", []), list):
        raise IntentError(path, 1, "expected a mapping with an 'intents' list")
    lines: list[int | None] = []
    if root is not None and isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if getattr(key, "value", None) == "intents" and isinstance(value, yaml.SequenceNode):
                lines = [item.start_mark.line + 1 for item in value.value]
    extra = sorted(str(k) for k in data if k != "intents")
    if extra:
        raise IntentError(path, 1, f"unknown key {extra[0]!r} (the file holds one key, 'intents')")
    out: list[Intent] = []
    for i, item in enumerate(data.get("intents") or []):
        line = lines[i] if i < len(lines) else None
        if not isinstance(item, Mapping):
            raise IntentError(path, line, "an intent must be a mapping")
        unknown = sorted(str(k) for k in item if k not in _INTENT_KEYS)
        if unknown:
            from ringfence.suggest import did_you_mean

            hint = did_you_mean(unknown[0], sorted(_INTENT_KEYS))
            raise IntentError(
                path,
                line,
                f"unknown key {unknown[0]!r}{hint} (an intent has {', '.join(sorted(_INTENT_KEYS))})",
            )
        missing = [k for k in ("name", "from", "to", "must") if k not in item]
        if missing:
            raise IntentError(path, line, f"intent is missing {', '.join(missing)}")
        must = str(item["must"]).strip().lower().replace("_", "-")
        if must not in ("reach", "not-reach"):
            raise IntentError(path, line, f"must is 'reach' or 'not-reach', not {item['must']!r}")
        port = item.get("port")
        if port is not None and (not isinstance(port, int) or not 0 <= port <= 65535):
            raise IntentError(path, line, f"port must be a number from 0 to 65535, not {port!r}")
        protocol = item.get("protocol")
        if protocol is not None and str(protocol).lower() not in PROTOCOLS:
            raise IntentError(path, line, f"protocol is one of {', '.join(PROTOCOLS)}, not {protocol!r}")
        out.append(
            Intent(
                name=str(item["name"]),
                source=item["from"],
                target=item["to"],
                must="reach" if must == "reach" else "not-reach",
                port=port,
                protocol=str(protocol).lower() if protocol is not None else None,
                path=path,
                line=line,
            )
        )
    return out


def load_intents(path: str) -> list[Intent]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise IntentError(path, None, f"cannot be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise IntentError(path, line, f"not UTF-8 text (byte {exc.start})") from None
    return parse_intents(text, path)


def undeclared(estate: Estate, intent: Intent) -> list[str]:
    """The names an intent gives (``from``/``to``, not tag selectors) that no resource of the estate has
    and no block of its code declares: a typo, not a resource with zero instances (which stays unknown)."""
    names: list[str] = []
    for selector in (intent.source, intent.target):
        items = selector if isinstance(selector, list) else [selector] if isinstance(selector, str) else []
        names += [str(n) for n in items]
    out = []
    for name in names:
        if _is_network_literal(name) or _resolves(estate, intent, name) or _declared(estate, name):
            continue
        out.append(name)
    return out


def _is_network_literal(name: str) -> bool:
    import ipaddress

    if name.strip().lower() == "internet":
        return True
    try:
        ipaddress.ip_network(name.strip(), strict=False)
    except ValueError:
        return False
    return True


def _resolves(estate: Estate, intent: Intent, name: str) -> bool:
    scoped = f"{intent.root}:{name}" if intent.root else name
    for candidate in {name, scoped}:
        if candidate in estate.by_address:
            return True
    for r in estate.resources:
        bare = r.address.split(":")[-1]
        if name in (r.name, bare) or bare.split("[", 1)[0] == name.rsplit(":", maxsplit=1)[-1]:
            return True
    return False


def _declared(estate: Estate, name: str) -> bool:
    """Whether a `resource "TYPE" "NAME"` block for ``name`` (an address, maybe in a module) is written
    in the estate's Terraform files."""
    import re

    bare = name.rsplit(":", maxsplit=1)[-1].split("[", 1)[0]
    parts = bare.split(".")
    if len(parts) < 2 or not estate.root_path or not os.path.isdir(estate.root_path):
        return False
    kind, block = parts[-2], parts[-1]
    pattern = re.compile(rf'resource\s+"{re.escape(kind)}"\s+"{re.escape(block)}"')
    from ringfence.sources import walk

    for folder, files in walk(Path(estate.root_path)):
        for file in files:
            if file.endswith(".tf"):
                try:
                    text = (folder / file).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if pattern.search(text):
                    return True
    return False


def _select(net: Network, selector: Any, intent: Intent) -> list[str]:
    """An address (or ``internet``, IP, CIDR), a list of them, or ``{tag: {key: value}}``."""

    def scoped(name: str) -> str:
        # Several roots scanned: the root's resources are prefixed with its folder (`envs/prod:`).
        prefixed = f"{intent.root}:{name}"
        return prefixed if intent.root and prefixed in net.estate.by_address else name

    if isinstance(selector, str):
        return [scoped(selector)]
    if isinstance(selector, list):
        return [scoped(str(s)) for s in selector]
    if isinstance(selector, Mapping) and isinstance(selector.get("tag"), Mapping):
        wanted = {str(k): str(v) for k, v in selector["tag"].items()}
        return sorted(
            r.address
            for r in net.estate.resources
            if all(r.tags.get(k) == v for k, v in wanted.items())
            and (intent.root is None or r.root == intent.root)
            and placements(net, r.address)
        )
    raise IntentError(intent.path, intent.line, f"cannot select resources with {selector!r}")


def evaluate_intents(estate: Estate | Network, intents: list[Intent]) -> list[IntentResult]:
    """One result per (intent, from, to) pair, in the order of the file."""
    net = estate if isinstance(estate, Network) else network_of(estate)
    out: list[IntentResult] = []
    for intent in intents:
        protocol = intent.protocol or ("tcp" if intent.port is not None else "all")
        sources, targets = _select(net, intent.source, intent), _select(net, intent.target, intent)
        if not sources or not targets:
            side = "from" if not sources else "to"
            out.append(
                IntentResult(
                    intent,
                    str(intent.source),
                    str(intent.target),
                    "unknown",
                    None,
                    f"'{side}' selects no network resource of the estate",
                )
            )
            continue
        for s in sources:
            for t in targets:
                out.append(_one(net, intent, s, t, protocol))
    return out


def _one(net: Network, intent: Intent, source: str, target: str, protocol: str) -> IntentResult:
    traffic = (
        f"{protocol}/{intent.port}"
        if intent.port is not None and protocol in ("tcp", "udp")
        else ("any traffic" if protocol == "all" else protocol)
    )
    try:
        result = reach(net, source, target, intent.port, protocol)
    except UnresolvedName as exc:
        return IntentResult(intent, source, target, "unknown", None, f"cannot resolve {exc}")
    if result.reachable is None:
        return IntentResult(
            intent,
            result.source,
            result.target,
            "unknown",
            result,
            f"cannot decide whether {result.source} reaches {result.target} on {traffic}: {result.unknown}",
        )
    ok = result.reachable == (intent.must == "reach")
    if result.reachable:
        steps = " -> ".join(f"{s.resource} ({s.step})" for s in result.path)
        detail = f"{result.source} reaches {result.target} on {traffic} via {steps}"
    else:
        blocks = "; ".join(f"{b.resource}: {b.reason}" for b in result.blocked_by)
        detail = f"{result.source} cannot reach {result.target} on {traffic}: {blocks}"
    return IntentResult(intent, result.source, result.target, "pass" if ok else "fail", result, detail)


def intent_violations(estate: Estate | Network, intents: list[Intent]) -> list[IntentResult]:
    """The results the scan reports: failed and undecided pairs."""
    return [r for r in evaluate_intents(estate, intents) if r.status != "pass"]
