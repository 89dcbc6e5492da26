"""The sync status line every working screen shows above its footer.

It reads the app's ``sync_status`` (refreshed by the app from a thread worker)
and says, in words and colour: online or offline, how many changes wait to be
sent, when the last sync succeeded, what needs the clerk (rejections,
conflicts) and the records department's clocks.

The line is one row and never cut mid-word: when the full wording does not fit
the window (an 80-column terminal with records due), shorter words are used,
and then the parts that matter least are left out (the next due date, the time
of the last sync, the last error's text) until what is left fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import App
from textual.widgets import Static

from ..display import count, when
from ..engine import SyncStatus

WIDE_GAP = "  ·  "
NARROW_GAP = " · "
NOTHING_DUE = "records: nothing due"


@dataclass(frozen=True)
class Part:
    """One piece of the line: its words, shorter words, how it looks, and its rank
    (0 is never left out; a higher rank is left out first)."""

    text: str
    short: str
    style: str = ""
    rank: int = 0
    trim: bool = False
    """Free text (the last error) that may end in "…" rather than be left out."""


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

    def on_resize(self) -> None:
        self.show_status_again(None)

    def show_status_again(self, _changed: object) -> None:
        self.show_status(getattr(self.app, "sync_status", None))

    def show_status(self, status: SyncStatus | None) -> None:
        records = str(getattr(self.app, "records_line", "") or "")
        width = self.content_region.width or self.app.size.width - 2
        progress = getattr(self.app, "sync_progress", None)
        self.update(describe(status, syncing=bool(getattr(self.app, "syncing", False)),
                             today=_today(self.app), records=records, width=width,
                             retrying=getattr(progress, "retrying", "") or ""))


def _today(app: App[Any]) -> date | None:
    today = getattr(app, "today", None)
    return today() if callable(today) else None


def parts(status: SyncStatus, *, syncing: bool = False, today: date | None = None,
          records: str = "", retrying: str = "") -> list[Part]:
    """The pieces of the line for ``status``, in the order they are shown;
    ``retrying``: what the running sync is waiting for, said instead of "Syncing"."""
    if syncing and retrying:
        found = [Part(f"⟳ {retrying}", f"⟳ {retrying}", "bold dark_orange")]
    elif syncing:
        found = [Part("⟳ Syncing", "⟳ Syncing", "bold cyan")]
    elif status.online:
        found = [Part("● Online", "● Online", "bold green")]
    else:
        found = [Part("● Offline", "● Offline", "bold red")]
    if status.pending:
        found.append(Part(count(status.pending, "change") + " waiting to sync",
                          f"{status.pending:,} to send", "yellow", rank=0))
    else:
        found.append(Part("No pending changes", "none to send", "dim", rank=4))
    last = when(status.last_sync_at, today=today) if status.last_sync_at else "never"
    found.append(Part(f"last sync {last}", f"synced {last}", rank=5))
    if status.rejected:
        found.append(Part(count(status.rejected, "rejected", "rejected"),
                          f"{status.rejected:,} rejected", "bold red", rank=1))
    if status.conflicts:
        found.append(Part(count(status.conflicts, "conflict"),
                          count(status.conflicts, "conflict"), "bold dark_orange", rank=1))
    held = getattr(status, "held", 0)
    if held:
        found.append(Part(f"{held:,} held", f"{held:,} held", "magenta", rank=2))
    if status.last_error and not status.online:
        error = str(status.last_error)
        found.append(Part(error, error, "dim", rank=7, trim=True))
    if records and records != NOTHING_DUE:
        style = "bold red" if "overdue" in records else ""
        for piece in records.split(" · "):
            rank = 6 if piece.startswith("next") else 1
            found.append(Part(piece, piece, style, rank=rank))
    return found


def describe(status: SyncStatus | None, *, syncing: bool = False,
             today: date | None = None, records: str = "", width: int | None = None,
             retrying: str = "") -> Text:
    """The status line for a ``SyncStatus`` (``None`` before the first reading),
    in ``width`` cells at most (no limit when None)."""
    if status is None:
        return Text("○ Checking sync status…", style="dim")
    shown = parts(status, syncing=syncing, today=today, records=records, retrying=retrying)
    full = _line(shown, short=False)
    if width is None or full.cell_len <= width:
        return full
    while True:
        line = _line(shown, short=True)
        if line.cell_len <= width:
            return line
        last = max(shown, key=lambda part: part.rank)
        if last.rank == 0:
            return _line(shown, short=True)  # nothing more can go: Textual cuts what is left
        if last.trim:
            room = width - _line([p for p in shown if p is not last], short=True).cell_len
            room -= cell_len(NARROW_GAP)
            if room >= 12:
                kept = _ellipsis(last.text, room)
                shown = [Part(kept, kept, last.style, last.rank) if p is last else p
                         for p in shown]
                continue
        shown = [p for p in shown if p is not last]


def _line(shown: list[Part], *, short: bool) -> Text:
    text = Text()
    gap = NARROW_GAP if short else WIDE_GAP
    for index, part in enumerate(shown):
        if index:
            text.append(gap)
        text.append(part.short if short else part.text, style=part.style)
    return text


def _ellipsis(words: str, room: int) -> str:
    """``words`` cut at a word's end to fit ``room`` cells, ending in "…"."""
    kept = ""
    for word in words.split():
        candidate = f"{kept} {word}".strip()
        if cell_len(candidate) + 1 > room:
            break
        kept = candidate
    return (kept or words[: room - 1]) + "…"
