"""Sync: progress while syncing, what waits to be sent, what the server refused,
the server's latest answers with what it noted about each, and the conflicts a
records manager resolves (side by side, as a synced change).

It opens at its summary, even at 80×24: the first table takes the focus
without scrolling the summary away.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Label, ProgressBar, Static

from protocol.ops import OpType
from protocol.records import RecordKind

from ..dialogs.conflict import ConflictDialog
from ..display import answer_notes, next_step, op_status, plain, when
from ..engine import ConflictRow, OpRow, Session, SyncStatus
from ..messages import DataChanged
from ..widgets.fitted_columns import SCROLLBAR, fit_columns
from ..widgets.sync_bar import describe
from .base import PaletteCommand, RoleKey, WorkScreen

ANSWERS_SHOWN = 50
"""Applied and conflicting changes listed, newest first (refusals have their own list)."""


SYNC_COLUMNS: dict[str, tuple[tuple[str, int | None], ...]] = {
    "conflicts": (("Record", 24), ("Field", 16), ("Values", None)),
    "rejected": (("Change", None), ("Made", 16), ("Why it was rejected", None),
                 ("What next", None)),
    "pending": (("No.", 6), ("Change", None), ("Made", 16), ("Status", 16)),
    "answered": (("Change", None), ("Made", 16), ("Answer", 16), ("Noted", None)),
}
"""Each list's columns: the free text (what changed, why, what next) takes the
width the window leaves and wraps; a time made before today needs 16 cells."""


class SyncScreen(WorkScreen):
    """The outbox and the server's answers, with conflicts to resolve."""

    ROLE_KEYS: ClassVar[dict[str, RoleKey]] = {
        "resolve": RoleKey(OpType.RESOLVE, RecordKind.RESIDENT, "resolve conflicts"),
    }

    BINDINGS = [
        Binding("enter", "resolve", "Resolve", id="sync.resolve",
                tooltip="Choose the value to keep for the highlighted conflict"),
        Binding("ctrl+r", "reload", "Refresh", id="sync.refresh",
                tooltip="Read the outbox and conflicts again"),
    ]

    class Loaded(Message):
        def __init__(self, rejected: list[OpRow], pending: list[OpRow],
                     conflicts: list[ConflictRow], answered: list[OpRow]) -> None:
            super().__init__()
            self.rejected = rejected
            self.pending = pending
            self.conflicts = conflicts
            self.answered = answered

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[ConflictRow] = []
        self._opened = False
        self._shown: SyncScreen.Loaded | None = None
        self._fitted = -1

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="sync-body"):
            yield Static("", id="sync-summary", classes="record-title")
            with Horizontal(id="sync-progress-row"):
                yield Label("", id="sync-phase")
                yield ProgressBar(id="sync-progress", show_eta=False)
            yield Label("Conflicts to resolve", classes="section-label")
            yield DataTable(id="conflicts", cursor_type="row")
            yield Static("", id="conflicts-empty", classes="empty-state")
            yield Label("Rejected by the server", classes="section-label")
            yield DataTable(id="rejected", cursor_type="row")
            yield Static("", id="rejected-empty", classes="empty-state")
            yield Label("Waiting to be sent", classes="section-label")
            yield DataTable(id="pending", cursor_type="row")
            yield Static("", id="pending-empty", classes="empty-state")
            yield Label("Latest answers from the server", classes="section-label")
            yield DataTable(id="answered", cursor_type="row")
            yield Static("", id="answered-empty", classes="empty-state")

    def on_mount(self) -> None:
        self._fit()
        self.watch(self.app, "sync_status", self._show_summary)
        self.watch(self.app, "syncing", self._show_progress)
        self.watch(self.app, "sync_progress", self._show_progress)
        self.query_one("#conflicts", DataTable).focus(scroll_visible=False)
        self.reload()

    def _show_summary(self, status: SyncStatus | None) -> None:
        self.query_one("#sync-summary", Static).update(
            describe(status, syncing=self.chartkeep.syncing, today=self.chartkeep.today()))

    def _show_progress(self, _value: object = None) -> None:
        row = self.query_one("#sync-progress-row")
        row.display = self.chartkeep.syncing
        progress = self.chartkeep.sync_progress
        bar = self.query_one("#sync-progress", ProgressBar)
        if progress is None:
            self.query_one("#sync-phase", Label).update("Connecting… ")
            bar.update(total=None)
            return
        phase = "Sending changes" if progress.phase == "push" else "Receiving changes"
        self.query_one("#sync-phase", Label).update(
            f"{progress.retrying}: " if progress.retrying else f"{phase}… ")
        bar.update(total=progress.total, progress=progress.done)

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._fetch(self.session)

    @work(thread=True, exclusive=True, group="sync-screen", exit_on_error=False)
    def _fetch(self, session: Session) -> None:
        rejected = session.outbox.operations({"rejected", "held"})
        pending = session.outbox.operations({"pending"})
        conflicts = session.conflicts.unresolved()
        answered = session.outbox.operations({"applied", "conflict"}, limit=ANSWERS_SHOWN)
        self.post_message(self.Loaded(rejected, pending, conflicts, answered))

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted and self._shown is not None:
            self.on_sync_screen_loaded(self._shown)

    def _fit(self) -> None:
        """Columns that fit the window beside the body's scrollbar, the free text
        wrapping, so no list scrolls sideways (changed only when the width does)."""
        if self.size.width == self._fitted:
            return
        self._fitted = self.size.width
        for table_id, columns in SYNC_COLUMNS.items():
            fit_columns(self.query_one(f"#{table_id}", DataTable), columns,
                        (self._fitted or 80) - SCROLLBAR)

    def on_sync_screen_loaded(self, message: Loaded) -> None:
        self._shown = message
        self._fit()
        today = self.chartkeep.today()
        self.conflicts = message.conflicts
        conflicts = self.query_one("#conflicts", DataTable)
        conflicts.clear()
        for index, conflict in enumerate(message.conflicts):
            values = Text(" ⟷ ".join(str(v.value) for v in conflict.values), style="dark_orange")
            conflicts.add_row(plain(conflict.record_label), plain(conflict.field.replace("_", " ")),
                              values, key=str(index), height=None)
        self._empty("conflicts", "No open conflicts.", empty=not message.conflicts)
        rejected = self.query_one("#rejected", DataTable)
        rejected.clear()
        for op in message.rejected:
            why = Text(op.reason_text or op.reason or "")
            if op.status == "held":
                why = Text("Held for a supervisor's review. ") + why
            if op.flags:
                why.append(" " + answer_notes(op.flags))
            rejected.add_row(plain(op.summary), plain(when(op.created_at, today=today)), why,
                             plain(next_step(op.reason)), key=str(op.seq), height=None)
        self._empty("rejected", "Nothing was rejected.", empty=not message.rejected)
        pending = self.query_one("#pending", DataTable)
        pending.clear()
        for op in message.pending:
            pending.add_row(plain(op.seq), plain(op.summary),
                            plain(when(op.created_at, today=today)), op_status(op.status),
                            key=str(op.seq), height=None)
        self._empty("pending", "No pending changes: everything typed here is on the server.",
                    empty=not message.pending)
        answered = self.query_one("#answered", DataTable)
        answered.clear()
        for op in message.answered:
            noted = answer_notes(op.flags) or (op.reason_text or "")
            answered.add_row(plain(op.summary), plain(when(op.created_at, today=today)),
                             op_status(op.status), Text(noted), key=str(op.seq),
                             height=None)
        self._empty("answered", "No answers yet: they show here after a sync.",
                    empty=not message.answered)
        if not self._opened:
            self._opened = True
            self._focus_first_list()

    def _focus_first_list(self) -> None:
        """The first list with rows takes the focus, without scrolling: the
        screen opens at its summary, even at 80×24."""
        tables = [self.query_one(f"#{name}", DataTable)
                  for name in ("conflicts", "rejected", "pending", "answered")]
        first = next((t for t in tables if t.display), tables[0])
        first.focus(scroll_visible=False)
        body = self.query_one("#sync-body", VerticalScroll)
        self.call_after_refresh(body.scroll_home, animate=False)

    def _empty(self, name: str, message: str, *, empty: bool) -> None:
        widget = self.query_one(f"#{name}-empty", Static)
        widget.update(Text(message))
        widget.display = empty
        self.query_one(f"#{name}", DataTable).display = not empty

    @on(DataTable.RowSelected, "#conflicts")
    def action_resolve(self) -> None:
        if not self.conflicts:
            return
        table = self.query_one("#conflicts", DataTable)
        conflict = self.conflicts[min(max(table.cursor_row, 0), len(self.conflicts) - 1)]
        session = self.session
        self.app.push_screen(ConflictDialog(
            conflict.record_label, conflict.field, conflict.values,
            lambda value: session.conflicts.resolve(conflict.kind, conflict.record_id,
                                                   conflict.field, value)),
            self._resolved)

    def _resolved(self, seq: int | None) -> None:
        if seq is not None:
            self.app.notify("Choice saved; it will be sent at the next sync.", title="Resolved")
            self.app.post_message(DataChanged())

    def palette_commands(self) -> list[PaletteCommand]:
        return [("Resolve the highlighted conflict", "Keep one of the two values",
                 self.action_resolve)]
