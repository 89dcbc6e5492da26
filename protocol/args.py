"""The arguments of a command: each named, checked by a field rule, required or not.

Stay commands (:mod:`protocol.commands`) and the records department's commands
(:mod:`protocol.rules.records.commands`) declare their arguments the same way,
so one function checks them on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SchemaError, ValidationError
from .records.checks import Check


@dataclass(frozen=True)
class Arg:
    name: str
    check: Check
    required: bool = False


def clean_args(command: str, specs: tuple[Arg, ...], args: Mapping[str, Any]) -> dict[str, Any]:
    """Check every argument; return the cleaned ones (absent optional ones left out)."""
    known = {arg.name for arg in specs}
    unknown = set(args) - known
    if unknown:
        raise SchemaError(f"unknown argument(s) for {command}: "
                          f"{', '.join(sorted(map(str, unknown)))}")
    out: dict[str, Any] = {}
    for arg in specs:
        value = args.get(arg.name)
        if value is None:
            if arg.required:
                raise ValidationError(arg.name, "is required")
            continue
        out[arg.name] = arg.check(arg.name, value)
    return out
