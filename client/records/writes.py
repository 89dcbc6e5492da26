"""Writes every area shares: create a record, change its fields with predicted
base versions, and read the record a change is about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from protocol.ids import new_id
from protocol.merge import ACTIVE, predicted_version
from protocol.ops import OpType
from protocol.records import RecordKind

from ..errors import InputError, NotFound
from ..store.outbox import Actor, check_dates, clean_fields, record_op
from ..store.overlay import Effective, effective, op_effects
from .permissions import require_permitted


class NothingChanged(Exception):
    """Every field already holds the value asked for: no operation is written."""


def create_record(actor: Actor, kind: RecordKind, fields: Mapping[str, Any], *,
                  summary: str, subject_id: str | None = None) -> str:
    require_permitted(actor.user, OpType.CREATE, kind,
                      what=f"add {kind} records at this terminal")
    record_id = new_id(actor.clock.ms())
    cleaned = clean_fields(kind, fields, creating=True)
    check_dates(kind, cleaned, actor.clock)
    payload = {"kind": str(kind), "id": record_id, "fields": cleaned}
    record_op(actor, OpType.CREATE, payload, summary=summary, subject_id=subject_id)
    return record_id


def load_record(conn: Connection, kind: RecordKind, record_id: str) -> Effective:
    """The record as this terminal shows it; :class:`NotFound` when it is not here."""
    eff = effective(conn, kind, record_id)
    if eff.state is None or (eff.server is None and not eff.created_here):
        raise NotFound(f"That {kind} record is not at this terminal.")
    return eff


def pending_changes_to(eff: Effective, name: str) -> int:
    """How many of this terminal's not-yet-pulled operations set ``name``."""
    count = 0
    for op in eff.ops:
        for effect in op_effects(op):
            if effect.record_id == eff.record_id and name in effect.values:
                count += 1
    return count


def update_record(actor: Actor, kind: RecordKind, record_id: str,
                  changes: Mapping[str, Any], *, summary: str,
                  subject_id: str | None = None) -> int:
    """Record field changes, each based on the version this terminal last saw
    plus its own pending changes to that field, so successive offline edits to
    one field are not mistaken for concurrent ones. Fields already holding the
    value are left out; returns 0 when nothing was left."""
    require_permitted(actor.user, OpType.UPDATE, kind,
                      what=f"change {kind} records at this terminal")
    if not changes:
        raise InputError("", "Nothing to change.")
    cleaned = clean_fields(kind, changes, creating=False)

    def build(conn: Connection) -> dict[str, Any]:
        eff = load_record(conn, kind, record_id)
        if eff.state is not None and eff.state.status != ACTIVE:
            raise InputError("", "This record was marked entered in error or merged; it "
                             "can no longer be changed.")
        check_dates(kind, {**eff.data, **cleaned}, actor.clock, changed=cleaned)
        wire: dict[str, Any] = {}
        for name, value in cleaned.items():
            if eff.data.get(name) == value:
                continue
            base = eff.server.version(name) if eff.server else 0
            wire[name] = [value, predicted_version(base, pending_changes_to(eff, name))]
        if not wire:
            raise NothingChanged
        return {"kind": str(kind), "id": record_id, "changes": wire}

    try:
        seq, _ = record_op(actor, OpType.UPDATE, build, summary=summary,
                           subject_id=subject_id)
    except NothingChanged:
        return 0
    return seq
