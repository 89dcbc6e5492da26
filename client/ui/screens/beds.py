"""The bed board: beds by unit (occupied, free, held, out of service) and the
admissions and discharges of the last 30 days.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from ..display import BED_STATE, bed_state, plain
from .base import WorkScreen

MOVEMENT_DAYS = 30


class BedsScreen(WorkScreen):
    """Beds by unit with their state, and recent movements."""

    section = "beds"
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+r", "reload", "Refresh", id="beds.refresh",
                tooltip="Read the bed board again"),
        Binding("tab", "focus_next", "Next table", show=False, id="beds.next_table",
                tooltip="Move between the bed board and the movements"),
    ]

    class Loaded(Message):
        def __init__(self, beds: list[Any], movements: list[Any]) -> None:
            super().__init__()
            self.beds = beds
            self.movements = movements

    def __init__(self) -> None:
        super().__init__()
        self.bed_residents: dict[str, str | None] = {}

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
        self.query_one("#beds", DataTable).add_columns("Unit", "Bed", "State", "Resident", "")
        self.query_one("#movements", DataTable).add_columns("Date", "", "Resident", "")
        self.query_one("#beds", DataTable).loading = True
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._fetch(self.session)

    @work(thread=True, exclusive=True, group="beds", exit_on_error=False)
    def _fetch(self, session: Any) -> None:
        self.post_message(self.Loaded(session.beds(), session.movements(MOVEMENT_DAYS)))

    def on_beds_screen_loaded(self, message: Loaded) -> None:
        beds = self.query_one("#beds", DataTable)
        beds.loading = False
        beds.clear()
        self.bed_residents = {bed.bed_id: bed.resident_id for bed in message.beds}
        for bed in message.beds:
            beds.add_row(plain(bed.unit_name), plain(bed.label), bed_state(bed.state),
                         plain(bed.resident_name),
                         Text("⟳ pending", style="yellow") if bed.pending else Text(""),
                         key=bed.bed_id)
        self._summary(message.beds)
        self.query_one("#beds-empty", Static).update(
            "" if message.beds else "No beds yet: sync to receive the facility's units and beds.")
        self.query_one("#beds-empty").display = not message.beds
        moves = self.query_one("#movements", DataTable)
        moves.clear()
        for move in sorted(message.movements, key=lambda m: m.date, reverse=True):
            kind = Text("Admitted", style="green") if move.kind == "admission" else Text(
                "Discharged", style="dim")
            moves.add_row(plain(move.date), kind, plain(move.resident_name),
                          Text("⟳ pending", style="yellow") if move.pending else Text(""),
                          key=f"{move.kind}:{move.resident_id}:{move.date}")
        empty = self.query_one("#movements-empty", Static)
        empty.update(f"No admissions or discharges in the last {MOVEMENT_DAYS} days.")
        empty.display = not message.movements

    def _summary(self, beds: list[Any]) -> None:
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

    @on(DataTable.RowSelected, "#beds")
    def _open_bed(self, event: DataTable.RowSelected) -> None:
        resident_id = self.bed_residents.get(event.row_key.value or "")
        if resident_id:
            self._open(resident_id)

    @on(DataTable.RowSelected, "#movements")
    def _open_movement(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        parts = key.split(":")
        if len(parts) == 3:  # noqa: PLR2004  (kind:resident:date)
            self._open(parts[1])

    def _open(self, resident_id: str) -> None:
        from .resident import ResidentScreen  # noqa: PLC0415

        self.app.push_screen(ResidentScreen(resident_id))
