"""The census list's columns at the window's width, and what a row shows in them.

Every column of the census needs about 120 cells; an 80-column window (the
smallest supported) has 78 beside the scrollbar. There the list keeps what a
clerk reads a census for — who, their record number, bed, status and birth date
(two residents of one name are told apart by it) — and marks a change not yet
sent with ⟳ alone; the unit and the admission of the highlighted resident show
under the list (:func:`left_out`). The name takes the width the other columns
leave (:func:`~client.ui.widgets.fitted_columns.fit_columns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.text import Text

from ..display import census_status, plain, when
from ..engine import ResidentRow
from ..widgets.fitted_columns import SCROLLBAR

Columns = Sequence[tuple[str, int | None]]

NAME_WIDE = 26
"""The name's width below which the wide columns give way to the narrow ones."""
MRN_SHORTEST = 10
"""The record number's column at its narrowest: a two-letter prefix and six digits
("MG-000042"); a facility's prefix may be up to 12 characters, so the column
grows to the longest number on the page (:func:`mrn_width`)."""


def mrn_width(rows: Sequence[ResidentRow]) -> int:
    return max([MRN_SHORTEST, *(len(row.mrn) for row in rows)])


def wide(mrn: int = MRN_SHORTEST) -> Columns:
    return (("Name", None), ("Record no.", max(mrn, 12)), ("Bed", 8), ("Unit", 12),
            ("Status", 13), ("Admitted", 10), ("Born", 10), ("", 10))


def narrow(mrn: int = MRN_SHORTEST) -> Columns:
    return (("Name", None), ("Record no.", mrn), ("Bed", 8), ("Status", 13), ("Born", 10),
            ("", 1))


def columns_for(width: int, padding: int, mrn: int = MRN_SHORTEST) -> Columns:
    """The census's columns for a window ``width`` cells wide (0: not laid out yet,
    taken as the smallest window) and record numbers ``mrn`` characters long."""
    every = wide(mrn)
    needed = NAME_WIDE + sum(w or 0 for _, w in every) + padding * len(every) + SCROLLBAR
    return every if width >= needed else narrow(mrn)


def is_narrow(columns: Columns) -> bool:
    return all(label != "Unit" for label, _ in columns)


def cells(row: ResidentRow, columns: Columns, today: date) -> list[Text]:
    """The row's cells for ``columns``, names and numbers exactly as typed."""
    marker_only = is_narrow(columns)
    by_label = {
        "Name": plain(row.display_name), "Record no.": plain(row.mrn),
        "Bed": plain(row.bed_label), "Unit": plain(row.unit_name),
        "Status": census_status(row.census_status),
        "Admitted": plain(when(row.admitted_at, today=today)), "Born": plain(row.birth_date),
        "": (Text("⟳" if marker_only else "⟳ pending", style="yellow") if row.pending
             else Text("")),
    }
    return [by_label[label] for label, _ in columns]


def left_out(row: ResidentRow | None, columns: Columns, today: date) -> str:
    """What the narrow columns leave out of the highlighted resident, in words
    ("North, admitted 2026-01-02, change not yet sent"); empty when nothing is."""
    if row is None or not is_narrow(columns):
        return ""
    parts = [row.unit_name or ""]
    if row.admitted_at:
        parts.append(f"admitted {when(row.admitted_at, today=today)}")
    if row.pending:
        parts.append("⟳ change not yet sent")
    return ", ".join(p for p in parts if p)
