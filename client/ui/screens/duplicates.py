"""Possible duplicates: pairs of records the server thinks may be one person.

A records manager opens either record to compare, merges the newer record (the
duplicate) into the one that stays, or dismisses the pair as two people. Each
row names both residents as typed; the list is read in a thread worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from protocol.ops import OpType
from protocol.records import RecordKind

from ..dialogs import record_forms
from ..dialogs.choice import ChoiceDialog
from ..dialogs.message import ConfirmDialog
from ..display import census_status
from ..engine import ResidentView, Session, TaskRow
from ..messages import DataChanged
from ..widgets.fitted_columns import show_fitted
from .base import PaletteCommand, RoleKey, WorkScreen

EMPTY = "No possible duplicates to review."
NO_PAIR = "No pair of records is highlighted: the list of possible duplicates is empty."
COLUMNS = (("Registered first", True), ("Registered later", True), ("", True))
"""The list's columns, (label, wraps): both records' names and facts, and where
the pair stands, wrapping in the window's width (:func:`show_fitted`)."""


@dataclass(frozen=True)
class Pair:
    """One open task with both residents: ``older`` was registered first."""

    task: TaskRow
    older: ResidentView
    newer: ResidentView

    @property
    def merged(self) -> bool:
        return self.older.status != "active" or self.newer.status != "active"


def _who(view: ResidentView) -> Text:
    """Name and record number, then what tells two people apart: birth date, sex,
    where the record stands (a records manager decides a duplicate on these)."""
    text = Text(view.display_name or "")
    if view.mrn:
        text.append(f"  MRN {view.mrn}", style="dim")
    facts = [f"born {view.fields['birth_date']}" if view.fields.get("birth_date")
             else "birth date not recorded"]
    if view.fields.get("sex"):
        facts.append(str(view.fields["sex"]))
    text.append("\n" + " · ".join(facts) + " · ")
    text.append_text(census_status(view.census_status))
    return text


class DuplicatesScreen(WorkScreen):
    """Open possible-duplicate tasks, one row per pair of residents."""

    AUTO_FOCUS = "#duplicates"
    ROLE_KEYS: ClassVar[dict[str, RoleKey]] = {
        "merge": RoleKey(OpType.MERGE, RecordKind.RESIDENT, "merge duplicate records"),
        "dismiss_pair": RoleKey(OpType.MERGE, RecordKind.RESIDENT,
                                "dismiss possible duplicates"),
    }

    BINDINGS = [
        Binding("1", "open(0)", "Open first", id="duplicates.open_first",
                tooltip="Open the record registered first"),
        Binding("2", "open(1)", "Open second", id="duplicates.open_second",
                tooltip="Open the record registered later"),
        Binding("m", "merge", "Merge", id="duplicates.merge",
                tooltip="Merge the pair: choose the record that stays, then confirm"),
        Binding("x", "dismiss_pair", "Not a duplicate", id="duplicates.dismiss",
                tooltip="Dismiss the pair as two different people, after a confirm"),
        Binding("ctrl+r", "reload", "Refresh", id="duplicates.refresh",
                tooltip="Read the possible duplicates again"),
    ]

    class Loaded(Message):
        def __init__(self, pairs: list[Pair]) -> None:
            super().__init__()
            self.pairs = pairs

    def __init__(self) -> None:
        super().__init__()
        self.pairs: dict[str, Pair] = {}
        self._shown: DuplicatesScreen.Loaded | None = None

    def on_resize(self, event: events.Resize) -> None:  # noqa: ARG002  Textual's signature
        if self._shown is not None:
            self.on_duplicates_screen_loaded(self._shown)  # the columns fit the new width

    def compose_body(self) -> ComposeResult:
        with Vertical(id="duplicates-body"):
            yield Label("Possible duplicates: records that may be one person",
                        classes="section-label")
            yield DataTable(id="duplicates", cursor_type="row", zebra_stripes=True)
            yield Static("", id="duplicates-empty", classes="empty-state")

    def on_mount(self) -> None:
        self.query_one("#duplicates", DataTable).loading = True
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._fetch(self.session)

    @work(thread=True, exclusive=True, group="duplicates", exit_on_error=False)
    def _fetch(self, session: Session) -> None:
        pairs = []
        for task in session.tasks.find(task_type="possible_duplicate", status="open"):
            if len(task.resident_ids) < 2:
                continue
            # Record ids sort by creation time: the newer record is the duplicate.
            first, second = sorted(task.resident_ids[:2])
            pairs.append(Pair(task, session.residents.get(first), session.residents.get(second)))
        self.post_message(self.Loaded(pairs))

    def on_duplicates_screen_loaded(self, message: Loaded) -> None:
        self._shown = message
        table = self.query_one("#duplicates", DataTable)
        table.loading = False
        self.pairs = {pair.task.id: pair for pair in message.pairs}
        rows = []
        for pair in message.pairs:
            state = Text()
            if pair.merged:
                state.append("merged; closes at the next sync", style="yellow")
            elif pair.task.pending:
                state.append("⟳ pending", style="yellow")
            rows.append((pair.task.id, (_who(pair.older), _who(pair.newer), state)))
        show_fitted(table, COLUMNS, rows, self.size.width)
        empty = self.query_one("#duplicates-empty", Static)
        empty.update(Text(EMPTY))
        empty.display = not message.pairs
        table.display = bool(message.pairs)

    def highlighted(self) -> Pair | None:
        table = self.query_one("#duplicates", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        return self.pairs.get(row_key.value or "")

    def _highlighted_or_told(self) -> Pair | None:
        """The highlighted pair; with none (an empty list), the clerk is told why
        the key did nothing."""
        pair = self.highlighted()
        if pair is None:
            self.app.notify(NO_PAIR, severity="warning")
        return pair

    # --- open, merge, dismiss ------------------------------------------------------

    def action_open(self, which: int) -> None:
        pair = self._highlighted_or_told()
        if pair is not None:
            from .resident import ResidentScreen

            self.app.push_screen(ResidentScreen((pair.older, pair.newer)[which].id))

    @on(DataTable.RowSelected, "#duplicates")
    def _open_first(self) -> None:
        self.action_open(0)

    def action_merge(self) -> None:
        pair = self._highlighted_or_told()
        if pair is None:
            return
        if pair.merged:
            self.app.notify("This pair is already merged; the task closes at the next sync.",
                            severity="warning")
            return
        intro = Text("Which record stays? The other is the duplicate: it is merged into "
                     "the one that stays and leaves the census. Usually the record "
                     "registered first stays.")
        choices = [(Text("Keep ").append_text(_who(pair.older)).append(" (registered first)"),
                    "older"),
                   (Text("Keep ").append_text(_who(pair.newer)).append(" (registered later)"),
                    "newer")]

        def chosen(which: str | None) -> None:
            if which is not None:
                self._confirm_merge(pair, which)

        self.app.push_screen(ChoiceDialog("Merge possible duplicates", intro, choices,
                                          default=None), chosen)

    def _confirm_merge(self, pair: Pair, which: str) -> None:
        survivor, duplicate = ((pair.older, pair.newer) if which == "older"
                               else (pair.newer, pair.older))
        session = self.session
        self.app.push_screen(record_forms.merge_residents(
            (duplicate.display_name, duplicate.mrn), (survivor.display_name, survivor.mrn),
            lambda _values: session.residents.merge(survivor.id, duplicate.id)),
            self._after("Merge saved"))

    def action_dismiss_pair(self) -> None:
        pair = self._highlighted_or_told()
        if pair is None:
            return
        question = Text("Dismiss ").append_text(_who(pair.older)).append(" and ").append_text(
            _who(pair.newer)).append(" as two different people? The pair leaves this list.")

        def answered(go: bool | None) -> None:  # noqa: FBT001  push_screen passes the answer
            if go:
                self._dismiss_task(self.session, pair.task.id)

        self.app.push_screen(ConfirmDialog("Not a duplicate", question, yes="Dismiss"),
                             answered)

    @work(thread=True, group="duplicates-write", exit_on_error=False)
    def _dismiss_task(self, session: Session, task_id: str) -> None:
        session.tasks.set_status(task_id, "dismissed")
        self.app.call_from_thread(self._after("Pair dismissed"), True)

    def _after(self, done: str) -> Callable[[object], None]:
        def after(result: object) -> None:
            if result is None or result is False:
                return
            self.app.notify(f"{done}; it will be sent at the next sync.", title="Saved")
            self.app.post_message(DataChanged())

        return after

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Merge the highlighted pair", "Choose the record that stays, then confirm",
             self.action_merge),
            ("Dismiss the highlighted pair", "Two different people: the pair leaves the list",
             self.action_dismiss_pair),
        ]
