"""Clinical notes: immutable once written. An amendment or an
entered-in-error mark is a new note linked to the original."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from protocol.merge import note_order_key
from protocol.records import RecordKind

from ..errors import InputError
from ..store.outbox import Actor
from ..store.overlay import OpInfo, combine
from ..views import NoteView
from .area import Area
from .directory import user_names
from .writes import create_record, load_record


class Notes(Area):
    """``session.notes``: write a note, amend one, mark one entered in error."""

    def add(self, resident_id: str, fields: Mapping[str, Any]) -> str:
        """A new note (``category``, ``clinical_time``, ``body``); returns its id."""
        values = {**fields, "resident_id": resident_id}
        for link in ("amends", "entered_in_error_of"):
            values.pop(link, None)
        return create_record(self.actor, RecordKind.NOTE, values,
                             summary=f"Add {values.get('category', '')} note",
                             subject_id=resident_id)

    def amend(self, note_id: str, body: str, *, clinical_time: str | None = None) -> str:
        """An amendment: a new note that names the original, which stays as written."""
        actor = self.actor
        original = _original(actor, note_id)
        values = {"resident_id": original["resident_id"], "category": original["category"],
                  "clinical_time": clinical_time or _now_minutes(actor), "body": body,
                  "amends": note_id}
        if original.get("stay_id"):
            values["stay_id"] = original["stay_id"]
        return create_record(actor, RecordKind.NOTE, values, summary="Amend a note",
                             subject_id=original["resident_id"])

    def mark_entered_in_error(self, note_id: str, reason: str) -> str:
        """A note saying why ``note_id`` was entered in error; the original stays."""
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("reason", "Say why the note was entered in error.")
        actor = self.actor
        original = _original(actor, note_id)
        values = {"resident_id": original["resident_id"], "category": original["category"],
                  "clinical_time": _now_minutes(actor), "body": reason,
                  "entered_in_error_of": note_id}
        return create_record(actor, RecordKind.NOTE, values,
                             summary="Mark a note entered in error",
                             subject_id=original["resident_id"])


def _original(actor: Actor, note_id: str) -> dict[str, Any]:
    with actor.store.read() as conn:
        return dict(load_record(conn, RecordKind.NOTE, note_id).data)


def _now_minutes(actor: Actor) -> str:
    return actor.clock.now().replace(tzinfo=None).isoformat(timespec="minutes")


def notes_of(conn: Connection, rows: list[Any], ops: Mapping[str, list[OpInfo]]
             ) -> list[NoteView]:
    """Original notes in clinical-time order (then server order; pending last),
    each carrying its amendments and whether it was marked entered in error."""
    names = user_names(conn)
    plain: list[tuple[str, dict[str, Any], bool, int | None, str | None]] = []
    for row in rows:
        eff = combine("note", row.id, row, ops.get(row.id, []))
        if eff.state is None:
            continue
        author = eff.ops[0].user_id if eff.ops else eff.data.get("_author")
        plain.append((row.id, dict(eff.data), eff.pending, row.seq if row.data else None,
                      author))
    amendments: dict[str, list[NoteView]] = {}
    markings: dict[str, NoteView] = {}
    originals: list[tuple[str, dict[str, Any], bool, int | None, str | None]] = []
    present = {item[0] for item in plain}
    for item in plain:
        data = item[1]
        if data.get("amends"):
            amendments.setdefault(data["amends"], []).append(
                _view(item, [], marking=None, names=names))
        elif data.get("entered_in_error_of") in present:
            # Shown on the note it voids (struck through, with who, when and
            # why), not as a note of its own.
            markings.setdefault(data["entered_in_error_of"],
                                _view(item, [], marking=None, names=names))
        else:
            originals.append(item)
    originals.sort(key=lambda i: note_order_key(i[1].get("clinical_time") or "", i[3]))
    for items in amendments.values():
        items.sort(key=lambda n: note_order_key(n.clinical_time or "", n.server_seq))
    return [_view(i, amendments.get(i[0], []), marking=markings.get(i[0]), names=names)
            for i in originals]


def _view(item: tuple[str, dict[str, Any], bool, int | None, str | None],
          amendments: list[NoteView], *, marking: NoteView | None,
          names: Mapping[str, str]) -> NoteView:
    note_id, d, pending, seq, author = item
    return NoteView(id=note_id, category=d.get("category"), clinical_time=d.get("clinical_time"),
                    body=d.get("body"), author=author,
                    author_name=names.get(author or "") or None, server_seq=seq, pending=pending,
                    amends=d.get("amends"), entered_in_error_of=d.get("entered_in_error_of"),
                    amendments=amendments, entered_in_error=marking is not None,
                    error_marking=marking, fields=d,
                    documented_after_discharge=bool(d.get("_documented_after_discharge")))
