"""The filter box above a list: reached with ``/``, left with Escape or Enter.

Screens start with the cursor on their list, so the letter keys act (``h`` for
hours on the staff screen) instead of being typed into the filter; ``/`` moves
the cursor here, and Escape gives it back to the list with the filter kept.
(Enter is the screen's own: it opens the first match, or goes to the list.)
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import Input


class FilterBox(Input):
    """An :class:`Input` that hands the cursor back to ``list_selector`` on Escape."""

    BINDINGS = [
        Binding("escape", "to_list", "Back to the list", id="filter.to_list",
                tooltip="Leave the filter (it stays applied); the cursor goes to the list"),
    ]

    def __init__(self, list_selector: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.list_selector = list_selector

    def action_to_list(self) -> None:
        self.screen.query_one(self.list_selector).focus()

    def type_ahead(self, text: str) -> None:
        """Take the cursor with ``text`` typed on the list (the census starts
        filtering at the first letter): kept, not selected for replacing by the
        next key."""
        self.select_on_focus = False
        self.focus()
        self.insert_text_at_cursor(text)

    def on_blur(self) -> None:
        self.select_on_focus = True  # reached with ``/``, the old filter is replaced
