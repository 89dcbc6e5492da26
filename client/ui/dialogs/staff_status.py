"""One staff member's compliance, done and due: licenses, registry checks, the
4-month and 24-month rules, in-service years, review weaknesses and reviews.

The items are the compliance screen's (``session.compliance.status``: the shared
rules over this terminal's records), those about this one person, so what a
records manager has just entered shows here at once, with the rule that makes
each item due.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from protocol.rules.due import DueItem, DueStatus

from ..engine import Session
from ..widgets.fitted_columns import show_fitted
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp

STATUS_COLUMNS = (("What", True), ("Status", False), ("Due", False), ("Done", False),
                  ("Why", True))
"""The items' columns, (label, wraps), sized for the items shown."""
WHY_FROM = 90
"""The dialog's width from which the rule (a sentence) has a column; narrower
(an 80-column window) it shows under the table only, for the highlighted item."""

STYLE = {DueStatus.DONE: "green", DueStatus.LATE: "yellow", DueStatus.DUE: "yellow",
         DueStatus.OVERDUE: "bold red", DueStatus.VIOLATION: "bold red",
         DueStatus.REVIEW: "yellow", DueStatus.ON_HOLD: "dim", DueStatus.MISSED: "yellow"}


def items_of(due: dict[str, list[DueItem]], staff_id: str) -> list[DueItem]:
    """Every item about ``staff_id``, what needs action first, then by due date."""
    mine = [item for items in due.values() for item in items if item.subject == staff_id]
    return sorted(mine, key=lambda i: (not i.needs_action, i.due or date.max, i.what))


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


class StaffCompliance(WorkerErrorsToApp, ModalScreen[None]):
    """The highlighted staff member's compliance items (read-only; every role)."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="staff_status.close",
                tooltip="Back to the staff roster"),
    ]

    class Loaded(Message):
        def __init__(self, items: list[DueItem]) -> None:
            super().__init__()
            self.items = items

    def __init__(self, session: Session, staff_id: str, staff_name: str) -> None:
        super().__init__()
        self.session = session
        self.staff_id = staff_id
        self.staff_name = staff_name
        self.items: list[DueItem] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog staff-status-dialog"):
            yield Label(Text(f"Compliance — {self.staff_name}"), classes="dialog-title")
            yield DataTable(id="staff-status", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Computing…", style="dim"), id="staff-status-why")
            yield Static(Text("esc  close"), classes="dialog-intro")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#staff-status", DataTable).focus()
        self._load(self.session, self.staff_id)

    def on_resize(self, event: events.Resize) -> None:  # noqa: ARG002  Textual's signature
        if self.loaded:
            self._show()  # the columns fit the dialog's new width

    @work(thread=True, exclusive=True, group="staff-status", exit_on_error=False)
    def _load(self, session: Session, staff_id: str) -> None:
        self.post_message(self.Loaded(items_of(session.compliance.status().due, staff_id)))

    def on_staff_compliance_loaded(self, message: Loaded) -> None:
        self.items = message.items
        self.loaded = True
        self._show()
        if not message.items:
            self.query_one("#staff-status-why", Static).update(Text(
                "No compliance items: none of the rules applies to this job title yet."))

    def _show(self) -> None:
        """The items in columns sized for them; the rule (why) only in a dialog wide
        enough for it beside the rest (it is shown in full under the table)."""
        width = self.query_one(".staff-status-dialog").size.width
        columns = STATUS_COLUMNS if width >= WHY_FROM else STATUS_COLUMNS[:-1]
        rows = [(str(index), (Text(item.what), Text(str(item.status).replace("_", " "),
                                                    style=STYLE.get(item.status, "")),
                              Text(_day(item.due)), Text(_day(item.done_on)),
                              Text(item.why))[:len(columns)])
                for index, item in enumerate(self.items)]
        show_fitted(self.query_one("#staff-status", DataTable), columns, rows, width)

    @on(DataTable.RowHighlighted)
    def _why(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted item's rule in full (a narrow dialog's table leaves it out)."""
        if 0 <= event.cursor_row < len(self.items):
            item = self.items[event.cursor_row]
            self.query_one("#staff-status-why", Static).update(Text(f"{item.what}: {item.why}"))

    def action_close(self) -> None:
        self.dismiss(None)
