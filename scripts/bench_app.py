"""Measurements of the terminal app for ``scripts/bench``: seconds, no assertions.

They live beside the benchmark, not in the product: the app ships nothing that
only a benchmark calls.

Each function runs the real app headless (``App.run_test``) on an enrolled
terminal the benchmark prepared (say, ten thousand residents), signs in the
way a clerk does, and times one thing:

* :func:`time_to_census` — from starting the app to the census's first page on
  screen, including deriving the key from the passphrase (Argon2id);
* :func:`time_to_filter` — from the clerk's filter text changing to the matching
  page on screen (one query, one page, however big the census).

    from scripts.bench_app import time_to_census, time_to_filter
    seconds = time_to_filter(home, "mrivera", passphrase, query="smi")
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Tabs

from client.clock import Clock
from client.sync.transport import Transport
from client.ui.app import ChartkeepApp
from client.ui.screens.census import CensusScreen
from client.ui.screens.unlock import UnlockForm, UnlockScreen

SIZE = (120, 40)
STEP = 0.002
LIMIT_S = 120.0


def time_to_census(home: Path, username: str, password: str, *, clock: Clock | None = None,
                   transport: Transport | None = None) -> float:
    """Seconds from starting the app to the census's first page on screen."""
    return asyncio.run(_time_to_census(Path(home), username, password, clock, transport))


def time_to_filter(home: Path, username: str, password: str, *, query: str = "smi",
                   census_list: str = "current", clock: Clock | None = None,
                   transport: Transport | None = None) -> float:
    """Seconds from typing ``query`` into the census filter to its page on screen.

    ``census_list`` picks the list filtered ("current", "all", "pre_admission", …:
    the keys of ``screens.census.STATUS_TABS``); a terminal whose residents are
    not admitted has an empty current list, and "all" then measures full pages.
    """
    return asyncio.run(_time_to_filter(Path(home), username, password, query, census_list,
                                       clock, transport))


def _app(home: Path, clock: Clock | None, transport: Transport | None) -> ChartkeepApp:
    # No background sync or polling: they would compete with what is measured.
    return ChartkeepApp(home, clock=clock, transport=transport, idle_lock_seconds=0,
                        auto_sync_seconds=0, status_poll_seconds=0)


async def _until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    deadline = time.perf_counter() + LIMIT_S
    while time.perf_counter() < deadline:
        try:
            if condition():
                return
        except NoMatches:
            pass  # the screen is still being composed
        await pilot.pause(STEP)
    raise TimeoutError("the app did not get there within the benchmark's limit")


def _census_shown(app: ChartkeepApp) -> bool:
    screen = app.screen
    return (isinstance(screen, CensusScreen) and screen.page is not None
            and not screen.query_one("#census-table", DataTable).loading)


async def _sign_in(app: ChartkeepApp, pilot: Pilot[None], username: str, password: str) -> None:
    await _until(pilot, lambda: isinstance(app.screen, UnlockScreen)
                 and app.screen.query_one("#password", Input) is not None)
    app.screen.query_one("#username", Input).value = username
    app.screen.query_one("#password", Input).value = password
    app.screen.query_one(UnlockForm).submit()  # as if the clerk pressed enter
    await _until(pilot, lambda: _census_shown(app))


async def _time_to_census(home: Path, username: str, password: str, clock: Clock | None,
                          transport: Transport | None) -> float:
    start = time.perf_counter()
    app = _app(home, clock, transport)
    async with app.run_test(size=SIZE) as pilot:
        await _sign_in(app, pilot, username, password)
        return time.perf_counter() - start


async def _time_to_filter(home: Path, username: str, password: str, query: str,
                          census_list: str, clock: Clock | None,
                          transport: Transport | None) -> float:
    app = _app(home, clock, transport)
    async with app.run_test(size=SIZE) as pilot:
        await _sign_in(app, pilot, username, password)
        screen = app.screen
        assert isinstance(screen, CensusScreen)
        if census_list != screen.status_key:
            shown = screen.page
            screen.query_one("#census-status", Tabs).active = f"tab-{census_list}"
            await _until(pilot, lambda: screen.status_key == census_list
                         and screen.page is not shown)
        before = screen.page
        start = time.perf_counter()
        screen.query_one("#census-filter", Input).value = query
        await _until(pilot, lambda: screen.page is not before
                     and screen.query_text == query.strip())
        return time.perf_counter() - start
