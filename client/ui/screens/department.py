"""The department (F10): regulation bulletins to acknowledge, who is overdue on
them (records managers), and the department's expenditure requests with who
decides each; requests entered (s) and decided (d) here, and hiring: a
job posting (j), applicant (p), their stages (g), the hire (H) and onboarding items (o),
the postings with their applicants listed under them (searched with /) and the close
of a posting (c) — :mod:`.department_hiring`.

The person signed in acknowledges the highlighted bulletin with ``a`` (after
reading it with ``enter``); the acknowledgement is saved offline and sent at
the next sync. Bulletin and vendor text is shown as typed, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from protocol.ops import OpType

from ..dialogs import department_forms
from ..dialogs.message import MessageDialog
from ..engine import InputError, Session, clerk_message
from ..messages import DataChanged
from ..widgets.fitted_columns import fit_columns
from ..widgets.hiring_board import HiringBoard
from .base import PaletteCommand
from .department_hiring import HiringKeys

NO_BULLETINS = "No regulation bulletins from the region yet."
NO_REQUESTS = "No expenditure requests."
BULLETIN_COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("Due", 10), ("Title", None), ("Source", None), ("You", 14))
REQUEST_COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("Requested", 10), ("Vendor", None), ("Amount", 13), ("Status", 8), ("Decides", 15))
"""At 80 columns titles, sources and vendors wrap in their column: nothing scrolls
sideways."""


@dataclass(frozen=True)
class Department:
    bulletins: list[dict[str, Any]]
    overdue: list[tuple[str, list[str]]]
    """(bulletin title, names overdue) — records managers only."""
    requests: list[dict[str, Any]]
    limit: Decimal
    postings: list[dict[str, Any]] | None
    """Every job posting here — records managers only (None for others)."""
    applicants: list[dict[str, Any]]


def _amount(value: Any) -> str:
    return f"${Decimal(str(value)):,.2f}"


class DepartmentScreen(HiringKeys):
    """Bulletins, spending requests, and job postings with their applicants."""

    # At 80 columns the footer holds F1 and four keys: acknowledge, spend, decide, post a
    # job. The hiring steps after that and Refresh (show=False) work all the same; F1 lists
    # every key and the command palette (ctrl+p) offers each of them by name.
    BINDINGS = [
        Binding("a", "acknowledge", "Acknowledge", id="department.acknowledge",
                tooltip="Acknowledge the highlighted bulletin as the person signed in"),
        Binding("enter", "read", "Read", id="department.read", show=False,
                tooltip="Read the highlighted bulletin's text"),
        Binding("s", "new_request", "Spend", id="department.new_request",
                tooltip="Request an expenditure against a budget line"),
        Binding("d", "decide", "Decide", id="department.decide",
                tooltip="Approve or refuse the highlighted expenditure request"),
        Binding("j", "post_job", "Post job", id="department.post_job",
                tooltip="Post an open position (department, hours, requirements)"),
        Binding("p", "new_applicant", "Applicant", id="department.new_applicant", show=False,
                tooltip="Record an applicant for a position"),
        Binding("g", "stage", "Stage", id="department.stage", show=False,
                tooltip="Record the stage an applicant reached (screened … offered)"),
        Binding("H", "hire", "Hire", id="department.hire", show=False,
                tooltip="Hire an applicant who was offered the position"),
        Binding("o", "onboarding", "Onboarding", id="department.onboarding", show=False,
                tooltip="Mark an onboarding item of a hire done"),
        Binding("c", "close_posting", "Close posting", id="department.close_posting",
                show=False, tooltip="Close the highlighted job posting, with its outcome and why"),
        Binding("slash", "search_hiring", "Search hiring", id="department.search_hiring",
                show=False, tooltip="Search the job postings and applicants"),
        Binding("ctrl+r", "reload", "Refresh", id="department.refresh", show=False,
                tooltip="Read bulletins and requests again"),
    ]

    class Loaded(Message):
        def __init__(self, department: Department) -> None:
            super().__init__()
            self.department = department

    def __init__(self) -> None:
        super().__init__()
        self.bulletins: dict[str, dict[str, Any]] = {}
        self.requests: dict[str, dict[str, Any]] = {}
        self.found: Department | None = None
        self._drawn_width = 0

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="department-body"):
            yield Label("Regulation bulletins (a acknowledge, enter read)",
                        classes="section-label")
            yield DataTable(id="bulletins", cursor_type="row", zebra_stripes=True)
            yield Static("", id="bulletins-empty", classes="empty-state")
            yield Static("", id="bulletins-overdue")
            yield Label("Expenditure requests", classes="section-label")
            yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
            yield Static("", id="requests-empty", classes="empty-state")
            yield HiringBoard(id="hiring-board")

    def on_mount(self) -> None:
        self.query_one("#bulletins", DataTable).loading = True
        self.reload()

    def on_resize(self, event: events.Resize) -> None:  # noqa: ARG002  Textual's signature
        if self.found is not None and self._body_width() != self._drawn_width:
            self._draw(self.found)  # the columns fit the new width

    def _body_width(self) -> int:
        return self.query_one("#department-body").size.width

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._fetch(self.session)

    @work(thread=True, exclusive=True, group="department", exit_on_error=False)
    def _fetch(self, session: Session) -> None:
        manager = session.user.role == "records_manager"
        overdue = ([(str(b.get("title", "")), [p.name for p in people])
                    for b, people in session.bulletins.overdue()] if manager else [])
        self.post_message(self.Loaded(Department(
            session.bulletins.received(), overdue, session.spending.requests(),
            session.spending.limit(), session.hiring.postings() if manager else None,
            session.hiring.applicants() if manager else [])))

    def on_department_screen_loaded(self, message: Loaded) -> None:
        self.found = message.department
        self._draw(message.department)

    def _draw(self, found: Department) -> None:
        width = self._drawn_width = self._body_width()
        table = self.query_one("#bulletins", DataTable)
        table.loading = False
        cursor = table.cursor_row
        fit_columns(table, BULLETIN_COLUMNS, width)
        self.bulletins = {b["id"]: b for b in found.bulletins}
        for b in found.bulletins:
            you = (Text(f"acknowledged {b['mine']}", style="green") if b["mine"]
                   else Text("to acknowledge", style="yellow"))
            table.add_row(Text(str(b.get("due_on", ""))), Text(str(b.get("title", ""))),
                          Text(str(b.get("source", ""))), you, key=b["id"], height=None)
        table.move_cursor(row=cursor)
        self._show_empty("bulletins", NO_BULLETINS, rows=bool(found.bulletins))
        overdue = Text("\n").join(
            Text.assemble(("Overdue: ", "bold red"), title, " — " + ", ".join(names))
            for title, names in found.overdue)
        shown = self.query_one("#bulletins-overdue", Static)
        shown.update(overdue)
        shown.display = bool(found.overdue)
        requests = self.query_one("#requests", DataTable)
        fit_columns(requests, REQUEST_COLUMNS, width)
        self.requests = {r["id"]: r for r in found.requests}
        for r in found.requests:
            decides = {"regional_manager": "region (portal)",
                       "records_manager": "records manager"}.get(
                str(r.get("_decider", "")), "")
            if not decides and r.get("status") == "pending":
                decides = ("region (portal)" if Decimal(str(r["amount"])) > found.limit
                           else "records manager")
            requests.add_row(Text(str(r.get("requested_on", ""))), Text(str(r.get("vendor", ""))),
                             Text(_amount(r.get("amount", "0")), justify="right"),
                             Text(str(r.get("status", ""))), Text(decides), key=r["id"],
                             height=None)
        self._show_empty("requests", NO_REQUESTS, rows=bool(found.requests))
        self.query_one(HiringBoard).show(found.postings, found.applicants)

    def _show_empty(self, name: str, text: str, *, rows: bool) -> None:
        empty = self.query_one(f"#{name}-empty", Static)
        empty.update(Text(text))
        empty.display = not rows
        self.query_one(f"#{name}", DataTable).display = rows

    def highlighted(self) -> dict[str, Any] | None:
        table = self.query_one("#bulletins", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        return self.bulletins.get(row_key.value or "")

    @on(DataTable.RowSelected, "#bulletins")
    def action_read(self) -> None:
        b = self.highlighted()
        if b is None:
            return
        body = Text(f"{b.get('source', '')} · effective {b.get('effective_on', '')} · "
                    f"acknowledge by {b.get('due_on', '')}\n\n", style="dim")
        body.append(str(b.get("text", "")))
        self.app.push_screen(MessageDialog(str(b.get("title", "Bulletin")), body))

    def action_acknowledge(self) -> None:
        b = self.highlighted()
        if b is None:
            self.app.notify(NO_BULLETINS, severity="warning")
            return
        if b["mine"]:
            self.app.notify(f"You acknowledged it on {b['mine']}.")
            return
        self._acknowledge(self.session, b["id"])

    @work(thread=True, group="department-write", exit_on_error=False)
    def _acknowledge(self, session: Session, bulletin_id: str) -> None:
        try:
            session.bulletins.acknowledge(bulletin_id)
        except InputError as exc:
            self.app.call_from_thread(self.app.notify, clerk_message(exc), severity="error")
            return
        self.app.call_from_thread(self._saved)

    def _saved(self) -> None:
        self.app.notify("Acknowledged; it will be sent at the next sync.", title="Saved")
        self.app.post_message(DataChanged())

    # --- spending ------------------------------------------------------------------------------

    def action_new_request(self) -> None:
        if not self.session.permits(OpType.COMMAND, command="request_expenditure"):
            self.app.notify("Your role cannot request expenditures.", severity="warning")
            return
        self._open_request_form(self.session)

    @work(thread=True, group="department-write", exit_on_error=False)
    def _open_request_form(self, session: Session) -> None:
        lines = session.spending.lines()
        today = session.clock.today()

        def show() -> None:
            if not lines:
                self.app.notify("There is no budget line to spend against yet.",
                                severity="warning")
                return
            self.app.push_screen(department_forms.new_request(session, lines, today),
                                 self.form_saved)

        self.app.call_from_thread(show)

    def action_decide(self) -> None:
        table = self.query_one("#requests", DataTable)
        request = None
        if table.row_count and table.display:
            row_key, _ = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
            request = self.requests.get(row_key.value or "")
        if request is None or request.get("status") != "pending":
            self.app.notify("Highlight a pending expenditure request first.",
                            severity="warning")
            return
        if not self.session.permits(OpType.COMMAND, command="decide_expenditure"):
            self.app.notify("Only a records manager decides expenditure requests.",
                            title="Records managers only", severity="warning")
            return
        self.app.push_screen(department_forms.decide(self.session, request,
                                                     self.session.clock.today()),
                             self.form_saved)

    def palette_commands(self) -> list[PaletteCommand]:
        return [("Acknowledge the highlighted bulletin", "As the person signed in, today",
                 self.action_acknowledge),
                ("Request an expenditure", "Against one of the budget lines",
                 self.action_new_request),
                ("Decide the highlighted expenditure request", "Approve or refuse",
                 self.action_decide),
                ("Post a job", "Position, department, hours, requirements",
                 self.action_post_job),
                ("New applicant", "For a position, with the onboarding checklist",
                 self.action_new_applicant),
                ("Applicant's next stage", "Screened, interviewed, offered or declined",
                 self.action_stage),
                ("Hire an applicant", "Makes the staff member", self.action_hire),
                ("Onboarding item done", "Before the first shift", self.action_onboarding),
                ("Close the highlighted job posting", "With its outcome and why",
                 self.action_close_posting),
                ("Search job postings and applicants", "Position, name or stage",
                 self.action_search_hiring),
                ("Department: refresh", "Read bulletins and requests again",
                 self.action_reload)]
