"""Command palette providers (ctrl+p): sections, actions of the current screen,
and residents by name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .screens.base import PaletteCommand, WorkScreen

if TYPE_CHECKING:
    from .app import ChartkeepApp

NAVIGATION: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Census", "Residents in house, on leave, in hospital", "section", ("census",)),
    ("Bed board", "Beds by unit; admissions and discharges", "section", ("beds",)),
    ("Staff", "Roster, licenses, hours worked", "section", ("staff",)),
    ("Sync", "Pending, rejected and conflicting changes", "section", ("sync",)),
    ("Possible duplicates",
     "Records that may be one person: merge or dismiss (records managers)", "duplicates", ()),
    ("Records department",
     "Due list, requests for records, amendments, completeness, retention, extracts",
     "section", ("records",)),
    ("Users of this terminal", "Add a user; change your passphrase", "section", ("users",)),
    ("Sync now", "Send and receive changes now", "sync_now", ()),
    ("Lock the terminal", "Hide everything until the passphrase is entered", "lock", ()),
    ("Switch user", "Let another clerk sign in", "switch_user", ()),
    ("Help: keys of this screen", "Every key and what it does", "help", ()),
)


def _unlocked(provider: Provider) -> bool:
    return bool(getattr(provider.app, "unlocked", False))


class NavigationCommands(Provider):
    """Go to a section; sync, lock, switch user."""

    async def discover(self) -> Hits:
        if not _unlocked(self):
            return
        for name, help_text, action, args in NAVIGATION:
            yield DiscoveryHit(name, self._command(action, args), help=help_text)

    async def search(self, query: str) -> Hits:
        if not _unlocked(self):
            return
        matcher = self.matcher(query)
        for name, help_text, action, args in NAVIGATION:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._command(action, args),
                          help=help_text)

    def _command(self, action: str, args: tuple[str, ...]) -> Callable[[], object]:
        return partial(getattr(self.app, f"action_{action}"), *args)


class ScreenCommands(Provider):
    """What the screen under the palette offers (``WorkScreen.palette_commands``)."""

    def _commands(self) -> list[PaletteCommand]:
        screen = self.screen
        if isinstance(screen, WorkScreen) and _unlocked(self):
            return screen.palette_commands()
        return []

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class ResidentSearchCommands(Provider):
    """Open a resident by typing part of the name, room or record number."""

    async def search(self, query: str) -> Hits:
        if not _unlocked(self) or len(query.strip()) < 2:
            return
        session = cast("ChartkeepApp", self.app).session
        # The store is blocking: ask it from a thread, never on the event loop.
        page = await asyncio.to_thread(session.residents.census, query.strip(), statuses=None,
                                       limit=8)
        for row in page.rows:
            label = Text(f"Open {row.display_name}")
            label.append(f"  {row.mrn}  {row.bed_label or ''}", style="dim")
            yield Hit(0.9, label, partial(self._open, row.id), text=f"Open {row.display_name}",
                      help="Resident record")

    def _open(self, resident_id: str) -> None:
        from .screens.resident import ResidentScreen

        self.app.push_screen(ResidentScreen(resident_id))
