"""Redraw the terminal's screenshots in docs/screenshots from a fresh demo:

    scripts/screenshots                # census.svg and compliance.svg
    scripts/screenshots compliance     # one of them

The demo server and facility are recorded as ``scripts/demo`` records them (in a
temporary folder, removed afterwards); the app runs headless at a fixed size,
signed in as the demo's records manager, and each screen is exported as SVG
once its data is drawn. Dates are today's: the demo's data is dated from today.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from demo_facility import PASSWORD, enroll, populate, seed_server
from demo_running import free_port, running_server, say

from client.sync.transport import HttpTransport

OUT = ROOT / "docs" / "screenshots"
SHOTS: dict[str, tuple[str, str, tuple[int, int]]] = {
    "census": ("f2", "#census-table", (120, 32)),
    "compliance": ("f8", "#list-mds", (150, 46)),
}
"""Each screenshot: the key that opens its screen, the table drawn last, the size."""


async def _until(pilot: Any, ready: Callable[[], bool], seconds: float = 60) -> None:
    for _ in range(int(seconds * 10)):
        if ready():
            return
        await pilot.pause(0.1)
    raise SystemExit("the screen did not finish drawing in time")


async def shoot(home: Path, url: str, name: str) -> None:
    from textual.widgets import DataTable, Input

    from client.ui.app import ChartkeepApp
    from client.ui.screens.base import WorkScreen
    from client.ui.screens.unlock import UnlockScreen

    key, table, size = SHOTS[name]
    app = ChartkeepApp(home, transport=HttpTransport(url), auto_sync_seconds=0,
                       status_poll_seconds=0)
    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, UnlockScreen)
                     and bool(app.screen.query("#username"))
                     and bool(app.screen.query_one("#username", Input).value))
        app.screen.query_one("#password", Input).focus()
        await pilot.press(*PASSWORD, "enter")
        await _until(pilot, lambda: app.sync_status is not None)
        await pilot.press(key)
        await _until(pilot, lambda: isinstance(app.screen, WorkScreen)
                     and bool(app.screen.query(table))
                     and app.screen.query_one(table, DataTable).row_count > 0)
        await pilot.pause(1.0)  # the charts and status lines come from their own workers
        (OUT / f"{name}.svg").write_text(app.export_screenshot(title=f"Chartkeep {name}"))
    say(f"  wrote {OUT / f'{name}.svg'} at {size[0]}×{size[1]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/screenshots", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"which: {', '.join(SHOTS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in SHOTS]
    if unknown:
        parser.error(f"no screenshot named {unknown[0]!r}; there are {', '.join(SHOTS)}")
    names = args.names or list(SHOTS)
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    with tempfile.TemporaryDirectory(prefix="chartkeep-shots-") as tmp:
        var = Path(tmp)
        say("Recording the demo facility…")
        demo = seed_server(var / "server")
        try:
            with running_server(var / "server", free_port(), var / "server.log") as url:
                home = var / "front-desk"
                front = enroll(demo, url, home, demo.maple, "dana", PASSWORD, "Front desk")
                populate(demo, front)
                front.lock()
                for name in names:
                    asyncio.run(shoot(home, url, name))
        finally:
            demo.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
