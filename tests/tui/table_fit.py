"""Whether a DataTable shows all it holds: no sideways scroll, and no cell (or
column label) cut at its column's edge or below its row's last line."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.widgets import DataTable

_CONSOLE = Console(width=400)


def no_sideways_scroll(table: DataTable) -> bool:
    return (table.virtual_size.width <= table.scrollable_content_region.width
            and table.max_scroll_x == 0)


def _text(cell: object) -> Text:
    return cell.copy() if isinstance(cell, Text) else Text(str(cell))


def cut_cells(table: DataTable) -> list[str]:
    """Every label and cell of ``table`` that does not show whole, in words
    ("Status: 'On leave — in hospital' needs 22 cells, has 12"): a row of one line
    cuts what is wider than its column; a taller row wraps it (a word wider than
    the column goes on over the next line) and cuts the lines past its height."""
    cut: list[str] = []
    for column in table.ordered_columns:
        width = column.get_render_width(table) - 2 * table.cell_padding
        label = column.label.plain
        if cell_len(label) > width:
            cut.append(f"label {label!r} needs {cell_len(label)} cells, has {width}")
        for row in table.ordered_rows:
            text = _text(table.get_cell(row.key, column.key))
            plain = text.plain
            if not plain:
                continue
            if row.height == 1:
                if "\n" in plain or cell_len(plain) > width:
                    cut.append(f"{label}: {plain!r} needs {cell_len(plain)} cells, has {width}")
                continue
            lines = text.wrap(_CONSOLE, max(width, 1))
            if len(lines) > row.height:
                cut.append(f"{label}: {plain!r} in {width} cells needs {len(lines)} lines, "
                           f"has {row.height}")
    return cut


def fits(table: DataTable) -> list[str]:
    """What does not fit: a sideways scroll and every cut cell (empty: all fits)."""
    problems = cut_cells(table)
    if not no_sideways_scroll(table):
        problems.insert(0, f"scrolls sideways: {table.virtual_size.width} cells in "
                           f"{table.scrollable_content_region.width}")
    return problems


def wider_than_content(table: DataTable) -> list[str]:
    """Every column wider than its label and widest cell: widths left over from
    rows the table no longer shows."""
    wide = []
    for column in table.ordered_columns:
        width = column.get_render_width(table) - 2 * table.cell_padding
        needed = max([1, cell_len(column.label.plain),
                      *(max((cell_len(line) for line in _text(cell).plain.split("\n")),
                            default=0) for cell in table.get_column(column.key))])
        if width > needed:
            wide.append(f"{column.label.plain!r} is {width} cells, needs {needed}")
    return wide
