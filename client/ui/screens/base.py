"""What every screen that shows facility data has in common."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from protocol.records import RecordKind
from protocol.rules.emergency_access import READ_ONLY_TEXT

from ..engine import Action, Page, Session
from ..permissions import EMERGENCY_REFUSED, records_manager_only
from ..widgets.key_footer import KeyFooter
from ..widgets.sync_bar import SyncBar
from ..workers import WorkerErrorsToApp

if TYPE_CHECKING:
    from ..app import ChartkeepApp

BANNER_REASON = 40
"""Characters of the reason the banner shows (the whole reason is in the audit)."""


def emergency_banner(username: str, reason: str, ends_ms: int) -> Text:
    """"Emergency access — <user>, <reason>, ends HH:MM" (local time), one line at 80."""
    shown = reason if len(reason) <= BANNER_REASON else reason[:BANNER_REASON - 1] + "…"
    ends = datetime.fromtimestamp(ends_ms / 1000).astimezone().strftime("%H:%M")
    return Text(f"Emergency access — {username}, {shown}, ends {ends} · read-only")


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
        if self.chartkeep.in_emergency():
            return False  # read-only: none of the screen's keys (back included)
        needs = self.ROLE_KEYS.get(action)
        if needs is None or not self.chartkeep.unlocked:
            return True
        return self.session.permits(needs.action, needs.kind)

    def on_key(self, event: events.Key) -> None:
        """A key not offered to this role, pressed anyway: say who can do it.
        Under emergency access, any key of the screen or of the sections: say it
        is read-only."""
        if not self.chartkeep.unlocked:
            return
        if self.chartkeep.in_emergency():
            own = {key for key, _ in self._bindings}
            app = {key for key, b in self.app._bindings  # noqa: SLF001  Textual's bindings map
                   if b.action in EMERGENCY_REFUSED}
            if event.key in own | app:
                event.stop()
                self.app.notify(READ_ONLY_TEXT, severity="warning", title="Emergency access",
                                markup=False, timeout=8)
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
        emergency = self.chartkeep.session.emergency if self.chartkeep.unlocked else None
        if emergency is not None:
            yield Static(emergency_banner(self.session.user.username, emergency.reason,
                                          emergency.ends_ms),
                         id="emergency-banner", classes="emergency-banner")
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
