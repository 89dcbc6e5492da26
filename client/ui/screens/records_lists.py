"""The records department's six lists (F9): what each shows — its columns, its
rows read from the terminal's store, and what it says when it is empty. The
screen and its keys are :mod:`.records`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from protocol.records import RecordKind
from protocol.rules.records.due_list import AREA_TITLES

from ..engine import Session

LISTS: tuple[tuple[str, str], ...] = (
    ("due", "Due list"), ("requests", "Requests for records"),
    ("amendments", "Amendment requests"), ("completeness", "Completeness reviews"),
    ("retention", "Retention and destruction"), ("extracts", "Extracts"),
)
EMPTY = {
    "due": "Nothing is due: no open request, amendment or deficiency, no record to destroy.",
    "requests": "No request for records yet. Press n to record one.",
    "amendments": "No amendment request yet. Press a to record one.",
    "completeness": "No completeness review yet; discharges to review appear in the due list.",
    "retention": "No legal hold, destruction list or record past its retention date.",
    "extracts": "No extract made yet. Press x to write one.",
}
COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    "due": (("Due", False), ("Work", True), ("Resident", True), ("What", True)),
    "requests": (("Received", False), ("Resident", True), ("Requester", True), ("Asks", True),
                 ("Status", False)),
    "amendments": (("Received", False), ("Resident", True), ("Asked", True),
                   ("Outcome", True)),
    "completeness": (("Discharged", False), ("Resident", True),
                     ("Open deficiencies", True)),
    "retention": (("Date", False), ("Kind", True), ("Resident(s)", True), ("State", True)),
    "extracts": (("Made", False), ("Method", True), ("Recipient", True), ("Purpose", True),
                 ("Rows", False)),
}
"""Each list's columns, (label, wraps): dates and counts keep one line; names and
what is asked or due wrap in the width the window leaves, so no list scrolls
sideways at 80 columns (:func:`~client.ui.widgets.fitted_columns.show_fitted`)."""
DUE_NARROW = (("Due", True), ("Resident", True), ("Work", True))
DUE_WIDE_FROM = 110
"""Below this width the due list puts the kind of work and what is due in one
column ("Request for records: copies for Hart & Lowe LLP (attorney)"): in four
columns at 80 cells each would wrap onto two or three lines."""


def shown_columns(which: str, width: int) -> tuple[tuple[str, bool], ...]:
    """The columns of list ``which`` in a window ``width`` cells wide."""
    return DUE_NARROW if which == "due" and width < DUE_WIDE_FROM else COLUMNS[which]


def shown_cells(row: Row, columns: tuple[tuple[str, bool], ...]) -> tuple[str | Text, ...]:
    """``row``'s cells for ``columns`` (the narrow due list: work and what in one)."""
    if columns is not DUE_NARROW:
        return row.cells
    due, work, resident, what = row.cells
    return due, resident, Text.assemble(Text(str(work), style="bold"), ": ", what)


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[str | Text, ...]
    kind: str
    """What the row is: a case kind, or ``due:<area>``."""
    resident_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _cell(value: object) -> Text:
    return Text("" if value is None else str(value))


def _due_rows(session: Session) -> list[Row]:
    rows = []
    for item in session.casework.due():
        style = "bold red" if item.overdue else ""
        rows.append(Row(f"due:{item.area}:{item.record_id}", (
            Text(item.due_text + (" overdue" if item.overdue else ""), style=style),
            _cell(AREA_TITLES[item.area]), _cell(item.resident), _cell(item.what)),
            f"due:{item.area}", item.resident_id, {"id": item.record_id, "basis": item.basis}))
    return rows


def _case_rows(session: Session, which: str) -> list[Row]:
    names = {rid: f"{d.get('family_name', '')}, {d.get('given_name', '')}"
             for rid, d in session.casework.residents().items()}
    rows: list[Row] = []

    def add(case: Any, *cells: object) -> None:
        rows.append(Row(case.id, tuple(_cell(c) for c in cells), case.kind,
                        case.data.get("resident_id"), dict(case.data, id=case.id)))

    if which == "requests":
        for c in session.casework.cases(RecordKind.RECORD_REQUEST):
            d = c.data
            add(c, d.get("received_at"), names.get(str(d.get("resident_id")), ""),
                d.get("requester"), d.get("ask"), d.get("status"))
    elif which == "amendments":
        for c in session.casework.cases(RecordKind.AMENDMENT_REQUEST):
            d = c.data
            add(c, d.get("received_on"), names.get(str(d.get("resident_id")), ""), d.get("asked"),
                d.get("outcome"))
    elif which == "completeness":
        for c in session.casework.cases(RecordKind.COMPLETENESS_REVIEW):
            d = c.data
            still = [x["title"] for x in d.get("deficiencies", []) if not x.get("resolved_on")]
            add(c, d.get("discharged_on"), names.get(str(d.get("resident_id")), ""),
                ", ".join(still) or "complete")
    elif which == "retention":
        for c in session.casework.cases(RecordKind.LEGAL_HOLD):
            d = c.data
            add(c, d.get("placed_on"), "legal hold", names.get(str(d.get("resident_id")), ""),
                "released " + str(d["released_on"]) if d.get("released_on") else "on hold")
        for c in session.casework.cases(RecordKind.DESTRUCTION):
            d = c.data
            add(c, d.get("listed_on"), "destruction list",
                ", ".join(r["name"] for r in d.get("records", [])), d.get("status"))
        rows.extend(r for r in _due_rows(session) if r.kind == "due:destruction")
    elif which == "extracts":
        for c in session.casework.cases(RecordKind.EXTRACT):
            d = c.data
            add(c, d.get("made_on"), d.get("method"), d.get("recipient"), d.get("purpose"),
                d.get("rows"))
    return rows


def list_rows(session: Session, which: str) -> list[Row]:
    """The rows of one list, read from the store (in a thread worker)."""
    return _due_rows(session) if which == "due" else _case_rows(session, which)
