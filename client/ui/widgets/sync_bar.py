"""The sync status line every working screen shows above its footer.

It reads the app's ``sync_status`` (refreshed by the app from a thread worker)
and says, in words and colour: online or offline, how many changes wait to be
sent, when the last sync succeeded, and what needs the clerk (rejections,
conflicts).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import App
from textual.widgets import Static

from ..display import count, when
from ..engine import SyncStatus


class SyncBar(Static):
    """One line: ● Online · 3 waiting to sync · last sync 14:02 · 1 rejected."""

    DEFAULT_CLASSES = "sync-bar"

    def on_mount(self) -> None:
        self.watch(self.app, "sync_status", self.show_status, init=True)
        self.watch(self.app, "syncing", self.show_status_again, init=False)
        if hasattr(self.app, "sync_progress"):
            self.watch(self.app, "sync_progress", self.show_status_again, init=False)
        if hasattr(self.app, "records_line"):
            self.watch(self.app, "records_line", self.show_status_again, init=False)

    def show_status_again(self, _changed: object) -> None:
        self.show_status(getattr(self.app, "sync_status", None))

    def on_resize(self, event: events.Resize) -> None:  # noqa: ARG002  Textual's signature
        self.show_status_again(None)

    def show_status(self, status: SyncStatus | None) -> None:
        records = str(getattr(self.app, "records_line", "") or "")
        if status is None or records == "records: nothing due":
            records = ""
        width = self.content_region.width or self.app.size.width - 2
        syncing = bool(getattr(self.app, "syncing", False))
        progress = getattr(self.app, "sync_progress", None)
        retrying = getattr(progress, "retrying", "") or ""
        for text in _variants(status, records, syncing=syncing, today=_today(self.app),
                              retrying=retrying):
            if cell_len(text.plain) <= width:
                break
        self.update(text)  # the shortest, wrapping onto a second line if even it is too long


def _variants(status: SyncStatus | None, records: str, *, syncing: bool,
              today: date | None, retrying: str) -> list[Text]:
    """The line from longest to shortest: wide separators, then narrow ones, then
    the records' clocks without the next one due (an 80-column window cut the
    overdue count off)."""
    shorter = " · ".join(p for p in records.split(" · ") if not p.startswith("next "))
    out = []
    for sep, clocks in (("  ·  ", records), (" · ", records), (" · ", shorter)):
        text = describe(status, syncing=syncing, today=today, sep=sep, retrying=retrying)
        if clocks:
            text.append(sep)
            text.append(clocks, style="bold red" if "overdue" in clocks else "")
        out.append(text)
    return out


def _today(app: App[Any]) -> date | None:
    today = getattr(app, "today", None)
    return today() if callable(today) else None


def describe(status: SyncStatus | None, *, syncing: bool = False,
             today: date | None = None, sep: str = "  ·  ", retrying: str = "") -> Text:
    """The status line for a ``SyncStatus`` (``None`` before the first reading),
    its parts joined by ``sep``; ``retrying``: what the running sync is waiting
    for, said instead of "Syncing"."""
    text = Text()
    if status is None:
        text.append("○ Checking sync status…", style="dim")
        return text
    if syncing and retrying:
        text.append(f"⟳ {retrying}", style="bold dark_orange")
    elif syncing:
        text.append("⟳ Syncing", style="bold cyan")
    elif status.online:
        text.append("● Online", style="bold green")
    else:
        text.append("● Offline", style="bold red")
    text.append(sep)
    if status.pending:
        text.append(count(status.pending, "change") + " waiting to sync", style="yellow")
    else:
        text.append("No pending changes", style="dim")
    text.append(sep)
    last = when(status.last_sync_at, today=today) if status.last_sync_at else "never"
    text.append(f"last sync {last}")
    if status.rejected:
        text.append(sep)
        text.append(count(status.rejected, "rejected", "rejected"), style="bold red")
    if status.conflicts:
        text.append(sep)
        text.append(count(status.conflicts, "conflict"), style="bold dark_orange")
    if getattr(status, "held", 0):
        text.append(sep)
        text.append(f"{status.held:,} held", style="magenta")
    if status.last_error and not status.online:
        text.append(sep)
        text.append(str(status.last_error), style="dim")
    return text
