"""Where the values of a root's input variables come from, as Terraform reads them.

Terraform loads, later ones winning: each variable's `default`, `terraform.tfvars`,
`terraform.tfvars.json`, every `*.auto.tfvars` / `*.auto.tfvars.json` of the root folder in lexical order
of their names, then the `-var-file`s in the order given ("Variable Definition Precedence" in the
Terraform documentation on input variables).
"""

from __future__ import annotations

from pathlib import Path

from ringfence.sources.terraform.mirror import not_a_file

_FIRST = ("terraform.tfvars", "terraform.tfvars.json")
_AUTO = (".auto.tfvars", ".auto.tfvars.json")


def auto_var_files(root: Path) -> tuple[Path, ...]:
    """The variable files Terraform loads from ``root`` without being told, in the order it loads them."""
    if not root.is_dir():
        return ()
    try:
        names = sorted(entry.name for entry in root.iterdir())
    except OSError:
        return ()
    first = [name for name in _FIRST if name in names]
    auto = [name for name in names if name.endswith(_AUTO)]
    return tuple(root / name for name in (*first, *auto) if not_a_file(root / name) is None)
