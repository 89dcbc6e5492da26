"""Table columns that fit the screen's width, so a list never scrolls sideways
at 80 columns: fixed columns keep their width and the one column of free text
(a title, a vendor, a posting) takes what is left. Its rows are added with
``height=None``, so text longer than its column wraps onto a second line
instead of running past the screen's edge."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable

SCROLLBAR = 2
"""Room kept for a vertical scrollbar (Textual's default width) beside the table."""
NARROWEST = 12
"""The free-text column never gets narrower than this, however small the screen."""
WIDTH_AT_START = 80
"""The width assumed before the table is laid out (the smallest screen supported)."""


def fit_columns(table: DataTable[object], columns: Sequence[tuple[str, int | None]],
                width: int) -> None:
    """Replace ``table``'s columns (and rows) by ``columns`` — (label, width), a
    width of None for the column that takes the rest — so that together they fit
    ``width`` cells (0: not laid out yet, 80 assumed). The column keys are the
    labels."""
    width = width or WIDTH_AT_START
    padding = 2 * table.cell_padding
    taken = sum(w or 0 for _, w in columns) + padding * len(columns) + SCROLLBAR
    flexible = sum(1 for _, w in columns if w is None)
    rest = max(NARROWEST, (width - taken) // max(flexible, 1))
    table.clear(columns=True)
    for label, w in columns:
        table.add_column(label, width=rest if w is None else w, key=label)
