"""The bed board: beds by unit (occupied, free, held, out of service) and the
admissions and discharges of the last 30 days.

A records manager takes a free bed out of service (repairs, isolation) and
returns it from here; the board shows the change at once, pending until synced.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from protocol.ops import OpType
from protocol.records import RecordKind

from ..dialogs.message import ConfirmDialog
from ..display import BED_STATE, bed_state, plain
from ..engine import BedRow, InputError, Movement, Session, clerk_message
from ..messages import DataChanged
from ..permissions import permitted_or_told
from ..widgets.fitted_columns import show_fitted
from .base import RoleKey, WorkScreen

MOVEMENT_DAYS = 30
SIDE_BY_SIDE = 130
"""The window's width from which the movements sit beside the bed board: the
board needs about 70 cells with a long name and a change waiting, the movements
about 60. Below it they go under the board, each the window's width."""
BED_COLUMNS = (("Unit", True), ("Bed", False), ("State", False), ("Resident", True),
               ("Sync", False))
MOVEMENT_COLUMNS = (("Date", False), ("Movement", False), ("Resident", True), ("Sync", False))
"""The two lists' columns, (label, wraps): sized for the rows shown, the names
wrapping in what the rest leaves (:func:`show_fitted`). Every column has a
heading: a blank one beside "Date" read as the date spanning two columns."""


class BedsScreen(WorkScreen):
    """Beds by unit with their state, and recent movements."""

    AUTO_FOCUS = "#beds"
    ROLE_KEYS: ClassVar[dict[str, RoleKey]] = {
        "toggle_service": RoleKey(OpType.UPDATE, RecordKind.BED, "take beds out of service"),
    }

    BINDINGS = [
        Binding("ctrl+r", "reload", "Refresh", id="beds.refresh",
                tooltip="Read the bed board again"),
        Binding("tab", "app.focus_next", "Next table", show=False, id="beds.next_table",
                tooltip="Move between the bed board and the movements"),
        Binding("o", "toggle_service", "Out of service", id="beds.out_of_service",
                tooltip="Take the highlighted free bed out of service, or return it to "
                        "service (records managers)"),
    ]

    class Loaded(Message):
        def __init__(self, beds: list[BedRow], movements: list[Movement]) -> None:
            super().__init__()
            self.beds = beds
            self.movements = movements

    class ServiceChanged(Message):
        """The engine took (or refused) a bed's change of service."""

        def __init__(self, done: str, refusal: str = "") -> None:
            super().__init__()
            self.done = done
            self.refusal = refusal

    def __init__(self) -> None:
        super().__init__()
        self.bed_residents: dict[str, str | None] = {}
        self.moved: dict[str, Movement] = {}
        self.beds: dict[str, BedRow] = {}
        self._shown: BedsScreen.Loaded | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="beds-body"):
            with Vertical(id="bed-board"):
                yield Static("", id="bed-summary", classes="record-title")
                yield DataTable(id="beds", cursor_type="row", zebra_stripes=True)
                yield Static("", id="beds-empty", classes="empty-state")
            with Vertical(id="movements-pane"):
                yield Label(f"Admissions and discharges, last {MOVEMENT_DAYS} days",
                            classes="section-label")
                yield DataTable(id="movements", cursor_type="row")
                yield Static("", id="movements-empty", classes="empty-state")

    def on_mount(self) -> None:
        self._place(self.app.size.width)
        self.query_one("#beds", DataTable).loading = True
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        self._place(event.size.width)
        if self._shown is not None:
            self.call_after_refresh(self._show, self._shown)  # fitted to the new panes

    def _place(self, width: int) -> None:
        """The movements beside the board in a wide window, under it in a narrow one."""
        self.query_one("#beds-body").set_class(width < SIDE_BY_SIDE, "-stacked")

    def _pane_width(self, pane: str) -> int:
        """A pane's width as laid out (0 before: the window's is taken)."""
        return self.query_one(pane).size.width

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._fetch(self.session)

    @work(thread=True, exclusive=True, group="beds", exit_on_error=False)
    def _fetch(self, session: Session) -> None:
        self.post_message(self.Loaded(session.beds.board(), session.stays.movements(MOVEMENT_DAYS)))

    def on_beds_screen_loaded(self, message: Loaded) -> None:
        self._show(message)

    def _show(self, message: Loaded) -> None:
        self._shown = message
        beds = self.query_one("#beds", DataTable)
        beds.loading = False
        self.bed_residents = {bed.bed_id: bed.resident_id for bed in message.beds}
        self.beds = {bed.bed_id: bed for bed in message.beds}
        self.moved = {_key(move): move for move in message.movements}
        show_fitted(beds, BED_COLUMNS, [
            (bed.bed_id, (plain(bed.unit_name), plain(bed.label), bed_state(bed.state),
                          plain(bed.resident_name),
                          Text("⟳ pending", style="yellow") if bed.pending else Text("")))
            for bed in message.beds], self._pane_width("#bed-board"))
        self._summary(message.beds)
        self.query_one("#beds-empty", Static).update(
            "" if message.beds else "No beds yet: sync to receive the facility's units and beds.")
        self.query_one("#beds-empty").display = not message.beds
        beds.set_class(not message.beds, "-empty")
        show_fitted(self.query_one("#movements", DataTable), MOVEMENT_COLUMNS, [
            (_key(move), (
                plain(move.date),
                Text("Admitted", style="green") if move.kind == "admission"
                else Text("Transferred", style="dim") if move.kind == "transfer"
                else Text("Discharged", style="dim"),
                plain(move.resident_name + (f" → {move.destination}"
                                            if move.kind == "transfer" else "")),
                Text("⟳ pending", style="yellow") if move.pending else Text("")))
            for move in sorted(message.movements, key=lambda m: m.date, reverse=True)],
            self._pane_width("#movements-pane"))
        empty = self.query_one("#movements-empty", Static)
        empty.update(f"No admissions, discharges or transfers in the last {MOVEMENT_DAYS} "
                     "days.")
        empty.display = not message.movements

    def _summary(self, beds: list[BedRow]) -> None:
        units = sorted({bed.unit_name for bed in beds})
        summary = Text()
        for unit in units:
            counts = Counter(bed.state for bed in beds if bed.unit_name == unit)
            summary.append(unit, style="bold")
            summary.append(": ")
            parts = [(f"{counts[state]} {label.lower()}", style)
                     for state, (label, style) in BED_STATE.items() if counts[state]]
            for index, (part, style) in enumerate(parts):
                summary.append(part, style=style)
                if index < len(parts) - 1:
                    summary.append(", ")
            summary.append("\n")
        summary.rstrip()
        self.query_one("#bed-summary", Static).update(summary)

    # --- out of service (records managers) ----------------------------------------

    def highlighted_bed(self) -> BedRow | None:
        table = self.query_one("#beds", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        return self.beds.get(row_key.value or "")

    def action_toggle_service(self) -> None:
        if not permitted_or_told(self.app, self.session, "take beds out of service",
                                 OpType.UPDATE, RecordKind.BED):
            return
        bed = self.highlighted_bed()
        if bed is None:
            return
        out = bed.state != "out_of_service"
        where = Text(f"Bed {bed.label}", style="bold")
        where.append(f" ({bed.unit_name})", style="dim")
        if out:
            question = Text("Take ").append_text(where).append(
                " out of service? It cannot be assigned until it is returned to service.")
            title, yes = "Take bed out of service", "Out of service"
        else:
            question = Text("Return ").append_text(where).append(
                " to service? It can be assigned again.")
            title, yes = "Return bed to service", "Back in service"

        def answered(go: bool | None) -> None:  # noqa: FBT001  push_screen passes the answer
            if go:
                self._set_service(self.session, bed.bed_id, out, f"Bed {bed.label} {yes.lower()}")

        self.app.push_screen(ConfirmDialog(title, question, yes=yes), answered)

    @work(thread=True, group="bed-service", exit_on_error=False)
    def _set_service(self, session: Session, bed_id: str, out: bool, done: str) -> None:  # noqa: FBT001
        try:
            session.beds.set_out_of_service(bed_id, out)
        except InputError as error:
            self.post_message(self.ServiceChanged(done, refusal=clerk_message(error)))
            return
        self.post_message(self.ServiceChanged(done))

    def on_beds_screen_service_changed(self, message: ServiceChanged) -> None:
        if message.refusal:
            self.app.notify(message.refusal, title="Could not do that", severity="warning",
                            markup=False, timeout=10)
            return
        self.app.notify(f"{message.done}; it will be sent at the next sync.", title="Saved",
                        markup=False)
        self.app.post_message(DataChanged())

    @on(DataTable.RowSelected, "#beds")
    def _open_bed(self, event: DataTable.RowSelected) -> None:
        resident_id = self.bed_residents.get(event.row_key.value or "")
        if resident_id:
            self._open(resident_id)

    @on(DataTable.RowSelected, "#movements")
    def _open_movement(self, event: DataTable.RowSelected) -> None:
        move = self.moved.get(event.row_key.value or "")
        if move is None:
            return
        if not move.on_file:
            # The record moved with the resident (or was destroyed here); the
            # census's "Transferred out" list holds what this facility keeps of
            # a stay transferred out. A resident transferred out and back is on
            # file again: the transfer's row opens the record, as the others do.
            self.app.notify("The record moved with the resident to the receiving "
                            "facility; the census's \"Transferred out\" list has what "
                            "this facility keeps of the stay." if move.resident_id else
                            "This facility destroyed the record under its retention "
                            "schedule: only the stay's dates are kept, for the census.")
            return
        self._open(move.resident_id)

    def _open(self, resident_id: str) -> None:
        from .resident import ResidentScreen

        self.app.push_screen(ResidentScreen(resident_id))


def _key(move: Movement) -> str:
    """A movement's row key: one per stay and kind."""
    return f"{move.kind}:{move.stay_id}:{move.date}"
