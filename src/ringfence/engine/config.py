"""Configuration: `[tool.ringfence]` in pyproject.toml, `.ringfence.toml`, or `--config FILE`."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.model.findings import Severity

_FAIL_ON = ("critical", "high", "medium", "low", "none")
# What the scanned estate is: part of an account (a module repository, one stack) or an account's whole
# configuration. Decides whether a monitoring control the estate does not contain fails or is unknown.
ESTATE_SCOPES = ("partial", "account")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    include: tuple[str, ...] = ()  # rule ids or prefixes ("network."); empty means all
    skip: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()  # paths (globs) relative to the scanned folder
    account_id: str | None = None
    fail_on: str | None = None
    source: str | None = None
    # `[terraform]` limits of an evaluation (see `sources.terraform.bounds` and `.isolation`): environment
    # variable -> value, handed to the Terraform source; a variable set in the environment wins.
    terraform_limits: Mapping[str, str] = field(default_factory=dict)
    # Folders (or files) of custom YAML rules, relative to the configuration file's folder (`rules`).
    rule_folders: tuple[Path, ...] = ()
    estate_scope: str = "partial"  # one of ESTATE_SCOPES (`estate_scope`)
    # Other AWS accounts the estate means to share with (`trusted_accounts`): a KMS key policy or grant
    # letting one of them use a key is not a finding; any other account is.
    trusted_accounts: tuple[str, ...] = ()

    def selects(self, rule_id: str) -> bool:
        def hit(patterns: tuple[str, ...]) -> bool:
            return any(
                rule_id == p or (p.endswith((".", "*")) and rule_id.startswith(p.rstrip("*")))
                for p in patterns
            )

        if self.include and not hit(self.include):
            return False
        return not hit(self.skip)


def load_config(explicit: str | None, search: list[Path]) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: no such configuration file")
        data = _read(path)
        table = _tool_table(data, path) if path.name == "pyproject.toml" else data
        return _parse(data if table is None else table, str(path))
    for folder in search:
        dotfile = folder / ".ringfence.toml"
        if dotfile.is_file():
            return _parse(_read(dotfile), str(dotfile))
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _tool_table(_read(pyproject), pyproject)
            if table is not None:
                return _parse(table, str(pyproject))
    return Config()


def _tool_table(data: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """The `[tool.ringfence]` table of a pyproject.toml, or None when it has none."""
    tool = data.get("tool")
    table = tool.get("ringfence") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: `tool.ringfence` must be a table")
    return table


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read") from None


def _strings(value: Any, key: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{source}: `{key}` must be a list of strings")


_SETTINGS = (
    "include",
    "skip",
    "severity",
    "exclude",
    "account_id",
    "fail_on",
    "terraform",
    "rules",
    "estate_scope",
    "trusted_accounts",
)


def _unknown_settings(table: Mapping[str, Any], source: str) -> None:
    """A setting ringfence does not know is a mistake (a typo that would silently change nothing)."""
    known = {*_SETTINGS, *(k.replace("_", "-") for k in _SETTINGS)}
    for key in table:
        if key in known:
            continue
        from ringfence.suggest import did_you_mean

        line = _line_of(source, str(key))
        where = f"{source}:{line}" if line else source
        hint = did_you_mean(str(key), list(_SETTINGS))
        raise ConfigError(f"{where}: unknown setting {key!r}{hint} (settings: {', '.join(_SETTINGS)})")


def _line_of(source: str, key: str) -> int | None:
    try:
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    pattern = re.compile(rf"^\s*(\[\s*)?[\"']?{re.escape(key)}[\"']?\s*(=|\]|\.)")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def _parse(table: Mapping[str, Any], source: str) -> Config:
    _unknown_settings(table, source)
    severities: dict[str, Severity] = {}
    severity = table.get("severity") or {}
    if not isinstance(severity, dict):
        raise ConfigError(f"{source}: `severity` must be a table of rule id = severity")
    for rule, level in severity.items():
        try:
            severities[str(rule)] = Severity(str(level).lower())
        except ValueError as exc:
            raise ConfigError(
                f"{source}: severity of {rule} must be one of critical, high, medium, low, info"
            ) from exc
    fail_on = table.get("fail_on", table.get("fail-on"))
    if fail_on is not None and str(fail_on) not in _FAIL_ON:
        raise ConfigError(f"{source}: fail_on must be one of {', '.join(_FAIL_ON)}")
    account = table.get("account_id", table.get("account-id"))
    scope = table.get("estate_scope", table.get("estate-scope", "partial"))
    if scope not in ESTATE_SCOPES:
        raise ConfigError(f"{source}: estate_scope must be one of {', '.join(ESTATE_SCOPES)}")
    trusted = _strings(
        table.get("trusted_accounts", table.get("trusted-accounts")), "trusted_accounts", source
    )
    for account_id in trusted:
        if not _ACCOUNT_ID.match(account_id):
            raise ConfigError(f"{source}: trusted_accounts: {account_id!r} is not a 12-digit AWS account id")
    return Config(
        include=_strings(table.get("include"), "include", source),
        skip=_strings(table.get("skip"), "skip", source),
        severity=severities,
        exclude=_strings(table.get("exclude"), "exclude", source),
        account_id=str(account) if account is not None else None,
        fail_on=str(fail_on) if fail_on is not None else None,
        source=source,
        terraform_limits=_terraform_limits(table.get("terraform"), source),
        rule_folders=_rule_folders(table.get("rules"), source),
        estate_scope=scope,
        trusted_accounts=trusted,
    )


def _rule_folders(value: Any, source: str) -> tuple[Path, ...]:
    """`rules = ["dir", ...]`: folders of custom YAML rules, relative to the configuration file."""
    base = Path(source).parent
    folders: list[Path] = []
    for entry in _strings(value, "rules", source):
        folder = Path(entry) if Path(entry).is_absolute() else base / entry
        if not folder.exists():
            raise ConfigError(
                f"{source}: rules: {entry} is not a folder of custom rules (relative to {base}); "
                "to choose built-in rules by id, use `include`"
            )
        folders.append(folder)
    return tuple(folders)


# Key of the `[terraform]` table -> the environment variable the evaluation reads.
_TERRAFORM_LIMITS = {
    "max_instances": "RINGFENCE_TF_MAX_INSTANCES",
    "max_root_instances": "RINGFENCE_TF_MAX_ROOT_INSTANCES",
    "memory_mb": "RINGFENCE_TF_MEMORY_MB",
    "timeout": "RINGFENCE_TF_TIMEOUT",
}


def _terraform_limits(table: Any, source: str) -> dict[str, str]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: `terraform` must be a table")
    limits: dict[str, str] = {}
    for key, value in table.items():
        name = _TERRAFORM_LIMITS.get(str(key).replace("-", "_"))
        if name is None:
            raise ConfigError(
                f"{source}: terraform.{key} is not a setting (choose from {', '.join(_TERRAFORM_LIMITS)})"
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or not math.isfinite(value)
        ):
            raise ConfigError(f"{source}: terraform.{key} must be a number of at least 0 (0: no limit)")
        limits[name] = str(value)
    return limits
