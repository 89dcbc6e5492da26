"""Choose a resident by typing part of the name, room or record number."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from ..display import census_status, plain
from ..engine import ResidentRow, Session
from ..widgets.fitted_columns import show_fitted
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp

PICKER_COLUMNS = (("Name", True), ("Record no.", False), ("Born", False), ("Bed", False),
                  ("Status", False))
LIMIT = 20


class ResidentPickerDialog(WorkerErrorsToApp, ModalScreen[ResidentRow | None]):
    """Returns the chosen census row (``ResidentRow``), or ``None`` on cancel.

    Searches every list (current, discharged, pre-admission) in a thread worker,
    ``LIMIT`` matches at a time; ``exclude`` leaves one resident out (the
    duplicate being merged cannot be its own survivor). ``transferred_out`` adds
    the residents this facility transferred out, by the identity it kept of them
    (a request for their records is still this facility's to answer).
    """

    AUTO_FOCUS = "#picker-filter"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel",
                tooltip="Close without choosing"),
        Binding("down", "to_table", "Results", id="picker.results", show=False,
                tooltip="Move from the search box to the matches"),
    ]

    class Found(Message):
        def __init__(self, query: str, rows: list[ResidentRow]) -> None:
            super().__init__()
            self.query = query
            self.rows = rows

    def __init__(self, session: Session, title: str, *, intro: str | Text = "",
                 exclude: str | None = None,
                 placeholder: str = "Name, room or record number of the record to keep",
                 transferred_out: bool = False) -> None:
        super().__init__()
        self.transferred_out = transferred_out
        self.placeholder = placeholder
        self.session = session
        self.title_text = title
        self.intro = intro
        self.exclude = exclude
        self.query_text = ""
        self.rows: list[ResidentRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            if self.intro:
                yield Static(Text(self.intro) if isinstance(self.intro, str) else self.intro,
                             classes="dialog-intro")
            yield Input(id="picker-filter", placeholder=self.placeholder)
            yield DataTable(id="picker-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="picker-empty", classes="empty-state")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="picker-cancel")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self._show([])

    @on(Input.Changed, "#picker-filter")
    def _search(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        if len(self.query_text) < 2:
            self._show([])
            return
        self._find(self.query_text)

    @work(thread=True, exclusive=True, group="picker", exit_on_error=False)
    def _find(self, query: str) -> None:
        page = self.session.residents.census(query, statuses=None, offset=0, limit=LIMIT + 1)
        found = list(page.rows)
        if self.transferred_out:  # one row each: a resident back after a transfer is on file
            on_file = {row.id for row in found}
            found += [row for row in self.session.departures.page(query, offset=0,
                                                                   limit=LIMIT).rows
                      if row.id not in on_file]
        rows = [row for row in found if row.id != self.exclude][:LIMIT]
        self.post_message(self.Found(query, rows))

    def on_resident_picker_dialog_found(self, message: Found) -> None:
        if message.query == self.query_text:
            self._show(message.rows)

    def _show(self, rows: list[ResidentRow]) -> None:
        self.rows = rows
        # Sized for the residents found, the name wrapping: fixed widths needed 79
        # cells, more than the dialog has in an 80-column window.
        table = self.query_one("#picker-table", DataTable)
        show_fitted(table, PICKER_COLUMNS,
                    [(row.id, (plain(row.display_name), plain(row.mrn), plain(row.birth_date),
                               plain(row.bed_label), census_status(row.census_status)))
                     for row in rows], self.query_one(".picker-dialog").size.width)
        empty = self.query_one("#picker-empty", Static)
        empty.display = not rows
        table.display = bool(rows)
        if len(self.query_text) < 2:
            empty.update(Text("Type at least two letters of the name, the room or the "
                              "record number."))
        else:
            empty.update(Text(f"No other resident matches '{self.query_text}'."))

    def action_to_table(self) -> None:
        if self.rows:
            self.query_one("#picker-table", DataTable).focus()

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self) -> None:
        self.action_to_table()

    @on(DataTable.RowSelected, "#picker-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        chosen = next((row for row in self.rows if row.id == event.row_key.value), None)
        if chosen is not None:
            self.dismiss(chosen)

    @on(Button.Pressed, "#picker-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
