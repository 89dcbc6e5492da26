"""What every screen that shows facility data has in common."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, cast

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from protocol.records import RecordKind

from ..engine import Action, Page, Session
from ..permissions import records_manager_only
from ..widgets.key_footer import KeyFooter
from ..widgets.sync_bar import SyncBar
from ..workers import WorkerErrorsToApp

if TYPE_CHECKING:
    from ..app import ChartkeepApp

PAGE_SIZE = 50
"""Rows a paged list (census, staff roster) shows at once; paging is in SQL."""

class RoleKey(NamedTuple):
    """What a key's action needs of the user's role, and how to say it is not theirs."""

    action: Action
    kind: RecordKind | None
    what: str
    """Completes "Only a records manager can …"."""


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

    ROLE_KEYS: ClassVar[dict[str, RoleKey]] = {}
    """Action name -> what it needs. A key whose action the signed-in user's role
    does not allow is neither shown (footer, help) nor run; pressed anyway, it says
    who can. The rule is the engine's (``session.permits``), checked again on write."""

    @property
    def chartkeep(self) -> ChartkeepApp:
        return cast("ChartkeepApp", self.app)

    def check_action(self, action: str,
                     parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002  Textual's signature
        needs = self.ROLE_KEYS.get(action)
        if needs is None or not self.chartkeep.unlocked:
            return True
        return self.session.permits(needs.action, needs.kind)

    def on_key(self, event: events.Key) -> None:
        """A key not offered to this role, pressed anyway: say who can do it."""
        if not self.chartkeep.unlocked:
            return
        for key, binding in self._bindings:
            needs = self.ROLE_KEYS.get(binding.action)
            if key == event.key and needs is not None and not self.session.permits(
                    needs.action, needs.kind):
                event.stop()
                self.app.notify(records_manager_only(needs.what), severity="warning",
                                title="Records managers only", markup=False, timeout=8)
                return

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
