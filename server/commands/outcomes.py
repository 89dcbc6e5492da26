"""What handling one operation came to, before it becomes a stored result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from protocol.ops import OpStatus, Reason


@dataclass
class Outcome:
    status: OpStatus
    reason: str | None = None
    detail: str | None = None
    server_seq: int | None = None
    flags: list[str] = field(default_factory=list)
    target: str | None = None
    audit: dict[str, Any] = field(default_factory=dict)
    """Extra facts for the audit entry (field names changed, links…)."""
    depends_on: str | None = None
    """For a ``dependency`` rejection: the rejected operation it depended on."""


def applied(server_seq: int | None = None, *, target: str | None = None,
            flags: list[str] | None = None, **audit: Any) -> Outcome:
    return Outcome(OpStatus.APPLIED, server_seq=server_seq, target=target,
                   flags=list(flags or []), audit=audit)


def rejected(reason: Reason | str, detail: str | None = None, *,
             target: str | None = None) -> Outcome:
    return Outcome(OpStatus.REJECTED, reason=str(reason), detail=detail, target=target)


def not_found(detail: str | None = None, *, target: str | None = None) -> Outcome:
    """``not_found``: the id exists nowhere the server knows."""
    return rejected(Reason.NOT_FOUND, detail, target=target)


def not_owner(*, target: str | None = None) -> Outcome:
    """``not_owner``: the bed or record belongs to another facility (sync scenario
    11: "the other is rejected (`not_owner`)"). Ids are random 128-bit values that
    only the owning facility's terminals hold, so saying so tells a clerk why,
    and nothing of the record."""
    return rejected(Reason.NOT_OWNER, target=target)
