"""The footer of keys: F1 (every key of the screen) first, redrawn once per burst
of binding changes."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """Textual's :class:`Footer`, recomposed at most once per screen refresh.

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
        keys = list(super().compose())
        first = [key for key in keys if isinstance(key, FooterKey) and key.action == self.FIRST]
        yield from first + [key for key in keys if key not in first]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rebuild_pending = False

    def bindings_changed(self, screen: Any) -> None:
        if self._rebuild_pending:
            return
        self._rebuild_pending = True
        self.call_after_refresh(self._rebuild, screen)

    def _rebuild(self, screen: Any) -> None:
        self._rebuild_pending = False
        super().bindings_changed(screen)
