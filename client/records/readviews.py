"""Turning stored state into the frozen views of :mod:`client.views`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from protocol.hlc import to_datetime
from protocol.ops import REASON_TEXT

from ..store.overlay import OpInfo
from ..views import ConflictValue, OpRow


def conflict_values(conflicts: Mapping[str, Any]) -> dict[str, list[ConflictValue]]:
    out: dict[str, list[ConflictValue]] = {}
    for name, entry in conflicts.items():
        values = entry.get("values", []) if isinstance(entry, Mapping) else entry
        out[name] = [conflict_value(v) for v in values if isinstance(v, Mapping)]
    return out


def conflict_value(raw: Mapping[str, Any]) -> ConflictValue:
    at = raw.get("at")
    when: datetime | None = None
    if isinstance(at, int) and not isinstance(at, bool) and at > 0:
        try:
            when = to_datetime(at)
        except (OverflowError, OSError, ValueError):
            when = None
    return ConflictValue(value=raw.get("value"), user=raw.get("user"),
                         terminal=raw.get("terminal"), at=when)


def op_row(row: Any) -> OpRow:
    reason = row.reason
    return OpRow(seq=row.seq, op_id=row.op_id, op_type=row.op_type, summary=row.summary,
                 status=row.status, reason=reason,
                 reason_text=REASON_TEXT.get(reason) if reason else None,
                 created_at=datetime.fromtimestamp(row.created_at / 1000).astimezone(),
                 record_kind=row.kind, record_id=row.record_id, detail=row.detail,
                 flags=tuple(f for f in (row.flags or "").split(",") if f))


def op_row_from_info(op: OpInfo, summary: str, created_at: int, reason: str | None,
                     detail: str | None) -> OpRow:
    return OpRow(seq=op.seq, op_id=op.op_id, op_type=op.op_type, summary=summary,
                 status=op.status, reason=reason,
                 reason_text=REASON_TEXT.get(reason) if reason else None,
                 created_at=datetime.fromtimestamp(created_at / 1000).astimezone(),
                 record_kind=op.kind, record_id=op.record_id, detail=detail)


def license_state(expires_on: date | None, today: date) -> str:
    """``expired``, ``due_30``, ``due_60``, ``due_90`` or ``ok`` (alerts at
    90/60/30 days before expiry, ltc-rules §7); ``none`` without a date."""
    if expires_on is None:
        return "none"
    if expires_on < today:
        return "expired"
    for days in (30, 60, 90):
        if expires_on <= today + timedelta(days=days):
            return f"due_{days}"
    return "ok"


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
