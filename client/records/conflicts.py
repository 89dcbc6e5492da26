"""Field conflicts: two values of one field that a person must choose between.

The server keeps both values of a field changed concurrently at two terminals
(an identity field, or a change to a record marked entered in error meanwhile);
a records manager keeps one, and that choice is itself a synced operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from protocol.hlc import to_datetime
from protocol.ops import OpType
from protocol.records import RecordKind

from ..store.database import RECORDS, loads
from ..store.outbox import record_op
from ..views import ConflictRow, ConflictValue
from .area import Area
from .directory import Names, names
from .permissions import require_permitted
from .writes import load_record


class Conflicts(Area):
    """``session.conflicts``: the open conflicts, and keeping one value."""

    def unresolved(self) -> list[ConflictRow]:
        """Every open field conflict of a live record, by kind and record."""
        with self.actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS.c.kind, RECORDS.c.id, RECORDS.c.label,
                                          RECORDS.c.conflicts)
                                .where(RECORDS.c.conflicts != "{}", RECORDS.c.data.is_not(None))
                                .order_by(RECORDS.c.kind, RECORDS.c.sort_key)).all()
            known = names(conn)
        out = []
        for kind, record_id, label, raw in rows:
            conflicts: dict[str, Any] = loads(raw) or {}
            values = conflict_values(conflicts, known)
            for name in sorted(conflicts):
                entry = conflicts[name]
                out.append(ConflictRow(kind=kind, record_id=record_id, record_label=label,
                                       field=name, values=values.get(name, []),
                                       reason=entry.get("reason") if isinstance(entry, dict)
                                       else None))
        return out

    def resolve(self, kind: str, record_id: str, field: str, value: Any) -> int:
        """Keep ``value`` for ``field`` (records managers); returns the outbox number."""
        actor = self.actor
        record_kind = RecordKind(kind)
        require_permitted(actor.user, OpType.RESOLVE, record_kind, what="resolve conflicts")
        with actor.store.read() as conn:
            load_record(conn, record_kind, record_id)
        seq, _ = record_op(actor, OpType.RESOLVE, {"kind": kind, "id": record_id,
                                                   "field": field, "value": value},
                           summary=f"Resolve the conflict on {field.replace('_', ' ')}",
                           subject_id=record_id)
        return seq


def conflict_values(conflicts: Mapping[str, Any], names: Names | None = None
                    ) -> dict[str, list[ConflictValue]]:
    """The values of each conflicting field, as views, naming who and where
    (``names``) when the server sent those names."""
    out: dict[str, list[ConflictValue]] = {}
    for name, entry in conflicts.items():
        values = entry.get("values", []) if isinstance(entry, Mapping) else entry
        out[name] = [_conflict_value(v, names or Names()) for v in values
                     if isinstance(v, Mapping)]
    return out


def _conflict_value(raw: Mapping[str, Any], names: Names) -> ConflictValue:
    at = raw.get("at")
    when: datetime | None = None
    if isinstance(at, int) and not isinstance(at, bool) and at > 0:
        try:
            when = to_datetime(at)
        except (OverflowError, OSError, ValueError):
            when = None
    user, terminal = raw.get("user"), raw.get("terminal")
    return ConflictValue(value=raw.get("value"), user=user, terminal=terminal, at=when,
                         user_name=names.user(user if isinstance(user, str) else None),
                         terminal_name=names.terminal(
                             terminal if isinstance(terminal, str) else None))
