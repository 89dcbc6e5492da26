"""Table columns that fit the screen's width, so a list never scrolls sideways
at 80 columns.

Two ways to fit:

- :func:`fit_columns`: fixed columns keep the width they are given and the
  column of free text (a title, a vendor, a posting) takes what is left;
- :func:`show_fitted`: every column is as wide as its widest cell (or label)
  *in the rows shown now*, and the columns of free text share what the others
  leave, each no wider than it needs. The table is laid out again each time its
  rows change, so its widths follow what it shows: Textual's DataTable, cleared
  and refilled, keeps the widths its earlier rows needed (a long first row, then
  short ones, and the columns stay wide, pushing the last ones past the edge).

Rows are added with ``height=None``, so text longer than its column wraps onto
a further line instead of running past the screen's edge.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

SCROLLBAR = 2
"""Room kept for a vertical scrollbar (Textual's default width) beside the table."""
NARROWEST = 12
"""The free-text column never gets narrower than this, however small the screen."""
LONGEST_WORD = 24
"""A word up to this long keeps a wrapping column wide enough to hold it whole;
a longer one (a web address) is broken."""
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


def text_width(cell: object) -> int:
    """The cells ``cell`` takes on one line (its longest line)."""
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def longest_word(cell: object) -> int:
    """The cells the longest word of ``cell`` takes: narrower, a word is broken."""
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(word) for word in plain.split()), default=0)


def content_widths(columns: Sequence[tuple[str, bool]], rows: Sequence[Sequence[object]],
                   width: int, padding: int) -> list[int]:
    """Each column's width for ``rows`` in ``width`` cells (beside a scrollbar).

    ``columns`` are (label, wraps). A column that does not wrap is as wide as its
    widest cell or label. The wrapping ones share what is left: one whose widest
    cell fits its even share is shown whole (the narrowest first, each leaving
    more for the rest); the others are at least as wide as their label, longest
    word (so words are not broken) and :data:`NARROWEST` (or their widest cell,
    if narrower), and share what remains in proportion to what each still needs.
    When the columns that do not wrap leave too little, the widest of them wraps
    too.
    """
    room = (width or WIDTH_AT_START) - SCROLLBAR - padding * len(columns)
    # At least a cell: Textual cannot wrap a row with a column of no width.
    needs = [max([1, text_width(label), *(text_width(row[i]) for row in rows)])
             for i, (label, _) in enumerate(columns)]
    least = [min(needs[i], max([text_width(label), min(NARROWEST, needs[i]),
                                *(min(longest_word(row[i]), LONGEST_WORD) for row in rows)]))
             for i, (label, _) in enumerate(columns)]
    wraps = [w for _, w in columns]
    while (sum(n for n, w in zip(needs, wraps, strict=True) if not w)
           + sum(m for m, w in zip(least, wraps, strict=True) if w)) > room:
        unwrapped = [i for i, w in enumerate(wraps) if not w and needs[i] > least[i]]
        if not unwrapped:
            break
        wraps[max(unwrapped, key=lambda i: needs[i])] = True
    widths = [needs[i] if not wraps[i] else least[i] for i in range(len(columns))]
    left = room - sum(w for w, wrap in zip(widths, wraps, strict=True) if not wrap)
    sharing = sorted((i for i, w in enumerate(wraps) if w), key=lambda i: needs[i])
    while sharing and needs[sharing[0]] <= left / len(sharing):
        i = sharing.pop(0)  # short enough for its share: shown whole, on one line
        widths[i] = needs[i]
        left -= needs[i]
    left -= sum(least[i] for i in sharing)
    wanted = sum(needs[i] - least[i] for i in sharing)
    if wanted and left > 0:
        given = min(left, wanted)
        for i in sharing:  # what is left, shared in proportion to what each still needs
            widths[i] += given * (needs[i] - least[i]) // wanted
        for i in sorted(sharing, key=lambda i: widths[i] - needs[i]):
            if widths[i] < needs[i] and sum(widths) < room:
                widths[i] += min(needs[i] - widths[i], room - sum(widths))
    return widths


def show_fitted(table: DataTable[object], columns: Sequence[tuple[str, bool]],
                rows: Sequence[tuple[Hashable, Sequence[object]]], width: int) -> None:
    """Replace ``table``'s columns and rows: ``columns`` (label, wraps) sized for
    ``rows`` (key, cells) in ``width`` cells (0: not laid out yet, 80 assumed;
    see :func:`content_widths`). The cursor stays on the row it was on. Column
    keys are the labels (an empty label: ``_<index>``)."""
    cursor = table.cursor_row
    cells = [row for _, row in rows]
    widths = content_widths(columns, cells, width, 2 * table.cell_padding)
    table.clear(columns=True)
    for index, ((label, _), w) in enumerate(zip(columns, widths, strict=True)):
        table.add_column(label, width=w, key=label or f"_{index}")
    for key, row in rows:
        table.add_row(*row, key=None if key is None else str(key), height=None)
    if rows:
        table.move_cursor(row=min(cursor, len(rows) - 1))
