"""The footer of keys: F1 (every key of the screen) first, only keys that show
whole, redrawn once per burst of binding changes."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE = "-command-palette"
"""Textual's class for the palette key, docked at the footer's right end."""


class KeyFooter(Footer):
    """Textual's :class:`Footer`, recomposed at most once per screen refresh, and
    showing only the keys that fit the window whole.

    The footer rebuilds all its key widgets on every bindings signal: each focus
    change, each screen resumed or suspended. A screen's first moments send
    several (the census: unlock screen gone, census resumed, filter focused),
    each rebuild costing 15–20 ms with this app's keys, and a key the clerk types
    meanwhile waits behind them. Signals that arrive before the next refresh are
    folded into one rebuild; the footer still shows the keys of the moment.

    Textual's footer runs past the window's edge and cuts the last key it can
    show mid-word ("^n New resid"). Here the keys that do not fit are left out
    whole, from the first that does not; every key stays in F1's list and the
    palette, and F1 comes first so it is never the one left out.
    """

    FIRST = "help"
    """The key shown first: at 80 columns the footer cannot show every key, so the
    one that lists them all (F1) is never the one cut off."""

    LAST = ("page(",)
    """Keys shown after the rest (left out first): paging matters only with more
    than a page of rows, and Textual puts these priority keys first."""

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        first = [key for key in keys if isinstance(key, FooterKey) and key.action == self.FIRST]
        last = [key for key in keys if isinstance(key, FooterKey)
                and key.action.startswith(self.LAST) and key not in first]
        yield from first + [key for key in keys if key not in first and key not in last] + last

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rebuild_pending = False
        self._fitted_width = -1

    def bindings_changed(self, screen: Any) -> None:
        if self._rebuild_pending:
            return
        self._rebuild_pending = True
        self.call_after_refresh(self._rebuild, screen)

    def _rebuild(self, screen: Any) -> None:
        self._rebuild_pending = False
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    def on_resize(self, event: events.Resize) -> None:
        """A wider or narrower window: the keys are laid out, and fitted, again."""
        if event.size.width != self._fitted_width:
            self._fitted_width = event.size.width
            self.call_after_refresh(self.fit_keys_again)

    def fit_keys_again(self) -> None:
        for child in self.children:
            child.display = True
        self.call_after_refresh(self.fit_keys)

    def fit_keys(self) -> None:
        """Leave out, whole, every key from the first that would run past the
        palette key (or the window's edge)."""
        if not self.is_attached:
            return
        docked = [child for child in self.children if child.has_class(PALETTE)]
        room = self.size.width - sum(child.outer_size.width for child in docked)
        used, full = 0, False
        for child in self.children:
            if child in docked:
                continue
            used += child.outer_size.width
            full = full or used > room
            if child.display == full:
                child.display = not full
