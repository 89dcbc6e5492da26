"""Merge rules, as pure functions the server and the terminal both use.

A mergeable record is a map of field values, a map of field versions, and a
map of open conflicts (field → the competing values). A change names the
version of the field it was based on:

* based on the current version → applied, version + 1;
* based on an older version, same value as now → nothing to do (no conflict);
* based on an older version, different value → a **conflict** keeping both
  values. For ordinary fields the later change (by server order) is shown;
  identity fields (legal name, date of birth, sex) keep their value until a
  records manager resolves the conflict. Every replica shows the same thing
  because the server decides and the terminals copy its snapshot.
* a record marked entered-in-error takes no changes: each is kept as a
  conflict for review and the record stays void (no resurrection).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .ops import FieldChange, OpStatus, Reason
from .records import RecordKind, identity_fields

ACTIVE = "active"
VOIDED = "entered_in_error"
REPLACED = "replaced"
DESTROYED = "destroyed"
"""A record whose content a destruction removed (:mod:`protocol.rules.records.destruction`)."""


class FieldOutcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass
class RecordState:
    """A record as the server keeps it (and a terminal mirrors it)."""

    data: dict[str, Any]
    versions: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, Any] = field(default_factory=dict)
    status: str = ACTIVE

    def copy(self) -> RecordState:
        return RecordState(dict(self.data), dict(self.versions),
                           copy.deepcopy(self.conflicts) if self.conflicts else {},
                           self.status)

    def version(self, name: str) -> int:
        return self.versions.get(name, 0)


@dataclass(frozen=True)
class Author:
    """Who proposed a value: kept with each side of a conflict."""

    op_id: str
    user_id: str
    terminal_id: str
    recorded_at: int

    def tag(self, value: Any) -> dict[str, Any]:
        return {"value": value, "op": self.op_id, "user": self.user_id,
                "terminal": self.terminal_id, "at": self.recorded_at}


@dataclass(frozen=True)
class UpdateOutcome:
    status: OpStatus
    state: RecordState
    reason: str | None = None
    fields: Mapping[str, FieldOutcome] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(o is not FieldOutcome.UNCHANGED for o in self.fields.values())


SET_BY = "_set_by"
"""In a record's data: who set each field by an update (``{field: {"op", "user",
"terminal", "at"}}``), so that a later conflict on the field names the person and
terminal behind the value it holds, not only the one who changed it."""


def new_record(fields: Mapping[str, Any]) -> RecordState:
    return RecordState(data=dict(fields), versions=dict.fromkeys(fields, 1))


def apply_update(kind: RecordKind, current: RecordState, changes: Mapping[str, FieldChange],
                 author: Author, *, previous_author: Mapping[str, Any] | None = None
                 ) -> UpdateOutcome:
    """Apply field changes to ``current`` (not modified) and say what happened."""
    state = current.copy()
    outcomes: dict[str, FieldOutcome] = {}
    if state.status != ACTIVE:
        for name, change in changes.items():
            _open_conflict(state, name, state.data.get(name), change.value, author,
                           Reason.RECORD_VOIDED, _set_by(state, name, previous_author))
            outcomes[name] = FieldOutcome.CONFLICT
        return UpdateOutcome(OpStatus.CONFLICT, state, Reason.RECORD_VOIDED, outcomes)
    identity = identity_fields(kind)
    for name, change in changes.items():
        now_value = state.data.get(name)
        now_version = state.version(name)
        if change.base_version >= now_version:
            if change.value == now_value:
                outcomes[name] = FieldOutcome.UNCHANGED
            else:
                state.data[name] = change.value
                state.versions[name] = now_version + 1
                _note_setter(state, name, author)
                outcomes[name] = FieldOutcome.APPLIED
        elif change.value == now_value:
            outcomes[name] = FieldOutcome.UNCHANGED
        else:
            _open_conflict(state, name, now_value, change.value, author,
                           Reason.FIELD_CONFLICT, _set_by(state, name, previous_author))
            if name not in identity:
                state.data[name] = change.value
                _note_setter(state, name, author)
            state.versions[name] = now_version + 1
            outcomes[name] = FieldOutcome.CONFLICT
    if FieldOutcome.CONFLICT in outcomes.values():
        return UpdateOutcome(OpStatus.CONFLICT, state, Reason.FIELD_CONFLICT, outcomes)
    return UpdateOutcome(OpStatus.APPLIED, state, None, outcomes)


def _set_by(state: RecordState, name: str, fallback: Mapping[str, Any] | None
            ) -> Mapping[str, Any] | None:
    """Who set the value a field holds (:data:`SET_BY`), else ``fallback``."""
    by = state.data.get(SET_BY)
    entry = by.get(name) if isinstance(by, Mapping) else None
    return entry if isinstance(entry, Mapping) else fallback


def _note_setter(state: RecordState, name: str, author: Author) -> None:
    by = state.data.get(SET_BY)
    noted = dict(by) if isinstance(by, Mapping) else {}
    noted[name] = {"op": author.op_id, "user": author.user_id,
                   "terminal": author.terminal_id, "at": author.recorded_at}
    state.data[SET_BY] = noted


def _open_conflict(state: RecordState, name: str, current_value: Any, proposed: Any,
                   author: Author, reason: str, previous_author: Mapping[str, Any] | None
                   ) -> None:
    entry = state.conflicts.get(name)
    if entry is None:
        earlier = dict(previous_author or {})
        earlier["value"] = current_value
        entry = {"reason": reason, "values": [earlier]}
        state.conflicts[name] = entry
    entry["values"].append(author.tag(proposed))


def resolve_conflict(current: RecordState, name: str, value: Any) -> UpdateOutcome:
    """A records manager's choice closes the conflict; it is itself a change
    (version + 1) that every replica receives.
    """
    if name not in current.conflicts:
        return UpdateOutcome(OpStatus.REJECTED, current, Reason.NO_CONFLICT)
    state = current.copy()
    del state.conflicts[name]
    if state.status == ACTIVE:
        state.data[name] = value
        state.versions[name] = state.version(name) + 1
    return UpdateOutcome(OpStatus.APPLIED, state, None, {name: FieldOutcome.APPLIED})


def void(current: RecordState) -> RecordState:
    state = current.copy()
    state.status = VOIDED
    return state


def predicted_version(base_version: int, pending_changes_to_field: int) -> int:
    """The base version a terminal puts on its next change to a field it has
    already changed offline: each of its own pending changes will bump the
    version once when applied, so successive edits are not mistaken for
    concurrent ones.
    """
    return base_version + pending_changes_to_field


def note_order_key(clinical_time: str, server_seq: int | None) -> tuple[str, float]:
    """Notes are shown by clinical time, then by the server's sequence (pending
    notes, with no sequence yet, last).
    """
    return (clinical_time, float("inf") if server_seq is None else float(server_seq))
