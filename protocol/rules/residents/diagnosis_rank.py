"""The rank a new diagnosis starts with (docs/rules.md §5.4).

A resident's first diagnosis is their principal one: a diagnosis added while the
resident has no active diagnosis starts as ``principal``; any later one as
``secondary``. Only the form's starting value: the clerk may choose either, and
nothing refuses a second principal diagnosis or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PRINCIPAL = "principal"
SECONDARY = "secondary"


def default_rank(diagnoses: Iterable[Mapping[str, Any]]) -> str:
    """``principal`` when none of ``diagnoses`` (the resident's, as recorded) is
    active, else ``secondary``. A diagnosis without a status counts as active."""
    active = any((d.get("status") or "active") == "active" for d in diagnoses)
    return SECONDARY if active else PRINCIPAL
