"""What an 80×24 window shows, line by line, and whether a row of words is cut:
the footer's keys, the status line, tabs."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget


def screen_lines(app: Any) -> list[str]:
    """The screen as the clerk reads it: one string per row, modal dialogs and
    what shows around them included."""
    strips = app.screen._compositor.render_strips()  # Textual's own picture of the screen
    return [strip.text for strip in strips]


def row_of(app: Any, widget: Widget) -> str:
    """The row of the screen ``widget`` is drawn on (its first line)."""
    return screen_lines(app)[widget.region.y]


def fully_shown(widget: Widget) -> bool:
    """``widget`` is drawn whole: its region inside its parent's and the screen's."""
    region = widget.region
    if region.area == 0 or not widget.display:
        return False
    return all(node.region.contains_region(region)
               for node in [widget.screen, *widget.ancestors_with_self]
               if isinstance(node, Widget) and node is not widget)
