"""The staff screen's layout at the window's width: the roster's columns, what a
roster row shows in them, and whether the detail pane sits beside the roster
or under it.

The roster's every column needs about 100 cells and the detail pane's tables
about 75; side by side they need some 180, and an 80-column window (the
smallest supported) has 78 beside a scrollbar. Below :data:`SIDE_BY_SIDE` the
detail pane goes under the roster, and a roster narrower than its every column
keeps what a clerk looks a person up by — name, job title and license standing
— while the employee id and next expiry of the highlighted person show under
the list (:func:`left_out`; the detail pane shows both too). The name takes the
width the other columns leave (:func:`~client.ui.widgets.fitted_columns.fit_columns`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ..display import license_state, plain, when
from ..engine import StaffRow
from ..widgets.fitted_columns import SCROLLBAR

Columns = Sequence[tuple[str, int | None]]

DETAIL_WIDTH = 80
"""The detail pane beside the roster: its widest table (hours, 74 cells), the
pane's scrollbar, border and padding."""
SIDE_BY_SIDE = DETAIL_WIDTH + 70
"""The window's width from which the detail pane sits beside the roster (which
then has at least 70 cells: its narrow columns with a 22-cell name)."""
NAME_WIDE = 24
"""The name's width below which the wide columns give way to the narrow ones."""


def side_by_side(width: int) -> bool:
    """Whether a window ``width`` cells wide (0: not laid out, taken as the
    smallest) shows the detail pane beside the roster rather than under it."""
    return width >= SIDE_BY_SIDE


def roster_width(width: int) -> int:
    """The roster's width in a window ``width`` cells wide."""
    return width - DETAIL_WIDTH if side_by_side(width) else width


def wide() -> Columns:
    return (("Name", None), ("Employee id", 12), ("PBJ job title", 26), ("License", 18),
            ("Next expiry", 11))


def narrow() -> Columns:
    return (("Name", None), ("Job title", 22), ("License", 18))


def columns_for(width: int, padding: int) -> Columns:
    """The roster's columns for a roster ``width`` cells wide."""
    every = wide()
    needed = NAME_WIDE + sum(w or 0 for _, w in every) + padding * len(every) + SCROLLBAR
    return every if width >= needed else narrow()


def is_narrow(columns: Columns) -> bool:
    return all(label != "Employee id" for label, _ in columns)


def cells(row: StaffRow, columns: Columns) -> list[Text]:
    """The row's cells for ``columns``, names and ids exactly as typed."""
    title = plain(f"{row.job_title_code or '':>2} {row.job_title}")
    by_label = {
        "Name": plain(row.display_name), "Employee id": plain(row.employee_id),
        "PBJ job title": title, "Job title": title,
        "License": license_state(row.license_state, row.license_days_left),
        "Next expiry": plain(when(row.next_license_expiry)),
    }
    return [by_label[label] for label, _ in columns]


def left_out(row: StaffRow | None, columns: Columns) -> str:
    """What the narrow columns leave out of the highlighted person, in words
    ("E-1001, next expiry 2027-02-10"); empty when nothing is."""
    if row is None or not is_narrow(columns):
        return ""
    parts = [row.employee_id]
    if row.next_license_expiry is not None:
        parts.append(f"next expiry {when(row.next_license_expiry)}")
    return ", ".join(p for p in parts if p)
