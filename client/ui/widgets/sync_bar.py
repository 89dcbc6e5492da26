"""The sync status line every working screen shows above its footer.

It reads the app's ``sync_status`` (refreshed by the app from a thread worker)
and says, in words and colour: online or offline, how many changes wait to be
sent, when the last sync succeeded, and what needs the clerk (rejections,
conflicts).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
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

    def show_status(self, status: SyncStatus | None) -> None:
        progress = getattr(self.app, "sync_progress", None)
        text = describe(status, syncing=bool(getattr(self.app, "syncing", False)),
                        today=_today(self.app),
                        retrying=getattr(progress, "retrying", "") or "")
        records = str(getattr(self.app, "records_line", "") or "")
        if status is not None and records and records != "records: nothing due":
            text.append("  ·  ")
            text.append(records, style="bold red" if "overdue" in records else "")
        self.update(text)


def _today(app: App[Any]) -> date | None:
    today = getattr(app, "today", None)
    return today() if callable(today) else None


def describe(status: SyncStatus | None, *, syncing: bool = False,
             today: date | None = None, retrying: str = "") -> Text:
    """The status line for a ``SyncStatus`` (``None`` before the first reading);
    ``retrying``: what the running sync is waiting for, said instead of "Syncing"."""
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
    text.append("  ·  ")
    if status.pending:
        text.append(count(status.pending, "change") + " waiting to sync", style="yellow")
    else:
        text.append("No pending changes", style="dim")
    text.append("  ·  ")
    last = when(status.last_sync_at, today=today) if status.last_sync_at else "never"
    text.append(f"last sync {last}")
    if status.rejected:
        text.append("  ·  ")
        text.append(count(status.rejected, "rejected", "rejected"), style="bold red")
    if status.conflicts:
        text.append("  ·  ")
        text.append(count(status.conflicts, "conflict"), style="bold dark_orange")
    if getattr(status, "held", 0):
        text.append("  ·  ")
        text.append(f"{status.held:,} held", style="magenta")
    if status.last_error and not status.online:
        text.append("  ·  ")
        text.append(str(status.last_error), style="dim")
    return text
