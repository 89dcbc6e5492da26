"""Who attended an in-service session: staff chosen by name from the roster.

An in-service session is one record with its attendees; the picker starts with the
staff member highlighted on the staff screen chosen, the filter narrows the roster
by name or employee id, and the choices survive the filter changing.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList, Static

from ..engine import Session, StaffRow
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp

Attendee = tuple[str, str]
"""(staff record id, name as shown)."""

ROSTER_PAGE = 500


class AttendeePicker(WorkerErrorsToApp, ModalScreen[list[Attendee] | None]):
    """Choose the attendees; dismisses with them (in roster order) or ``None``."""

    AUTO_FOCUS = "#attendee-filter"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="attendees.cancel",
                tooltip="Close without recording the session"),
        Binding("ctrl+s", "done", "Continue", id="attendees.done", priority=True,
                tooltip="Go on to the session's date, hours and topics"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[StaffRow]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, session: Session, first: Attendee) -> None:
        super().__init__()
        self.session = session
        self.chosen: dict[str, str] = {first[0]: first[1]}
        self.rows: list[StaffRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label("Who attended the in-service?", classes="dialog-title")
            yield Input(id="attendee-filter", placeholder="Filter by name or employee id")
            yield SelectionList[str](id="attendees")
            yield Static("", id="attendee-count")
            yield Static(Text("space or Enter: choose · ctrl+s: continue · esc: cancel"),
                         classes="dialog-intro")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self._load(self.session)

    @work(thread=True, exclusive=True, group="attendees", exit_on_error=False)
    def _load(self, session: Session) -> None:
        rows: list[StaffRow] = []
        while True:
            page = session.staff.roster(offset=len(rows), limit=ROSTER_PAGE)
            rows += page.rows
            if not page.rows or len(rows) >= page.total:
                break
        self.post_message(self.Loaded(rows))

    def on_attendee_picker_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self._show(self.query_one("#attendee-filter", Input).value)

    def _show(self, query: str) -> None:
        words = query.casefold().split()
        listing = self.query_one("#attendees", SelectionList)
        listing.clear_options()
        for row in self.rows:
            text = f"{row.display_name} {row.employee_id}".casefold()
            if all(word in text for word in words):
                listing.add_option((Text(f"{row.display_name}   {row.employee_id}"), row.id,
                                    row.id in self.chosen))
        self._count()

    def _count(self) -> None:
        names = [self.chosen[row.id] for row in self.rows if row.id in self.chosen]
        self.query_one("#attendee-count", Static).update(
            Text(f"{len(names)} chosen: {'; '.join(names)}" if names else "Nobody chosen yet."))

    @on(Input.Changed, "#attendee-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#attendee-filter")
    def _to_list(self) -> None:
        self.query_one("#attendees", SelectionList).focus()

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        staff_id = event.selection.value
        if staff_id in self.chosen:
            del self.chosen[staff_id]
        else:
            row = next(r for r in self.rows if r.id == staff_id)
            self.chosen[staff_id] = row.display_name
        self._count()

    def action_done(self) -> None:
        if not self.chosen:
            self.app.notify("Choose at least one attendee.", severity="warning")
            return
        order = [row.id for row in self.rows if row.id in self.chosen]
        order += [sid for sid in self.chosen if sid not in order]
        self.dismiss([(sid, self.chosen[sid]) for sid in order])

    def action_cancel(self) -> None:
        self.dismiss(None)
