"""The footer of keys: F1 (every key of the screen) first, only the keys that fit
shown whole, redrawn once per burst of binding changes."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE_CLASS = "-command-palette"


def key_width(key: FooterKey) -> int:
    """The cells a key takes in the footer (not compact): " key " then "description "."""
    shown = cell_len(key.key_display) + 2
    return shown + cell_len(key.description) + 1 if key.description else shown


class KeyFooter(Footer):
    """Textual's :class:`Footer`, showing only the keys that fit, recomposed at most
    once per screen refresh.

    Textual's footer lays every key out in a row and lets the last ones run under
    the command palette's key, docked at the right: at 80 columns the census showed
    "^n New resid". The keys that do not fit whole are left out of the row; they
    work all the same, and F1 (shown first) and the palette (ctrl+p) list them.

    The footer rebuilds all its key widgets on every bindings signal: each focus
    change, each screen resumed or suspended. A screen's first moments send
    several (the census: unlock screen gone, census resumed, filter focused),
    each rebuild costing 15–20 ms with this app's keys, and a key the clerk types
    meanwhile waits behind them. Signals that arrive before the next refresh are
    folded into one rebuild; the footer still shows the keys of the moment.
    """

    FIRST = "help"
    """The key shown first: at 80 columns the footer cannot show every key, so the
    one that lists them all (F1) is never the one cut off."""

    def compose(self) -> ComposeResult:
        items = list(super().compose())
        first = [key for key in items if isinstance(key, FooterKey) and key.action == self.FIRST]
        self._composed_width = self.size.width or self.app.size.width
        yield from fitting(first + [key for key in items if key not in first],
                           self._composed_width)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rebuild_pending = False
        self._composed_width = 0

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._composed_width:  # not when first laid out at that width
            self._composed_width = event.size.width
            self.bindings_changed(self.screen)  # the keys that fit the new width

    def bindings_changed(self, screen: Any) -> None:
        if self._rebuild_pending:
            return
        self._rebuild_pending = True
        self.call_after_refresh(self._rebuild, screen)

    def _rebuild(self, screen: Any) -> None:
        self._rebuild_pending = False
        super().bindings_changed(screen)


def fitting(items: list[Widget], width: int) -> list[Widget]:
    """``items`` in order, without the keys from the first one that does not fit
    whole in ``width`` cells beside the command palette's key."""
    palette = sum(key_width(item) + 2 for item in items  # its left border and padding
                  if isinstance(item, FooterKey) and item.has_class(PALETTE_CLASS))
    room = width - palette
    shown: list[Widget] = []
    for item in items:
        if isinstance(item, FooterKey) and not item.has_class(PALETTE_CLASS):
            room -= key_width(item)
            if room < 0:
                room = -1  # the rest wait too, so the row keeps its order
                continue
        shown.append(item)
    return shown
