"""What every screen that shows facility data has in common."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from ..engine import Page, Session
from ..widgets.key_footer import KeyFooter
from ..widgets.sync_bar import SyncBar
from ..workers import WorkerErrorsToApp

if TYPE_CHECKING:
    from ..app import ChartkeepApp

PAGE_SIZE = 50
"""Rows a paged list (census, staff roster) shows at once; paging is in SQL."""

PaletteCommand = tuple[str, str, Callable[[], object]]
"""A command for the palette: name, help text, what it runs."""


def turned_page(page: Page[Any] | None, offset: int, step: int) -> int | None:
    """The offset ``step`` pages away from ``offset`` in ``page``'s list, or
    None when that is past either end (or nothing is loaded yet)."""
    if page is None:
        return None
    moved = offset + step * PAGE_SIZE
    return moved if 0 <= moved < max(page.total, 1) and moved != offset else None


class WorkScreen(WorkerErrorsToApp, Screen[None]):
    """A screen of the unlocked terminal: header, body, sync bar, footer.

    Subclasses compose their body in :meth:`compose_body` and re-read their data
    in :meth:`reload`, which the app calls after a sync or when the clerk
    unlocks again.
    """

    @property
    def chartkeep(self) -> ChartkeepApp:
        return cast("ChartkeepApp", self.app)

    @property
    def session(self) -> Session:
        return self.chartkeep.session

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield SyncBar()
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def reload(self) -> None:
        """Read this screen's data again (after a sync, a write or an unlock)."""

    def palette_commands(self) -> list[PaletteCommand]:
        """Commands for the palette while this screen is active: (name, help, callback)."""
        return []
