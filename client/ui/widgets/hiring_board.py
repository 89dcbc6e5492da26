"""The department screen's hiring board (F10): every job posting with the
applicants who answer it listed under it (name, stage, applied on), open
postings first, searched as you type (``/``). The rows and the search are the
shared rule's (:mod:`protocol.rules.department.postings`), as the portal's
hiring page shows them. Names are shown as typed, never as markup."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Label, Static

from protocol.rules.department.postings import PostingGroup, group_by_posting, search

from .fitted_columns import fit_columns

NO_POSTINGS = ("No job postings or applicants yet. Press j to post a job, p to record "
               "an applicant.")
NOT_SHOWN = "Job postings and applicants are shown to records managers."
COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("Posting / applicant", None), ("Stage", 16), ("Since", 18))
"""At 80 columns a posting's title (position, department, hours, its applicants'
stages) wraps in the first column rather than pushing the table past the screen."""


def _posting_row(group: PostingGroup) -> tuple[Text, Text, Text]:
    if group.id is None:
        return Text(group.position, style="bold"), Text(""), Text("")
    title = Text(f"{group.position} — {group.department}", style="bold")
    if group.hours_per_week:
        title.append(f", {group.hours_per_week} h/week", style="dim")
    if group.status == "open":
        status = Text("open", style="green")
        since = Text(f"posted {group.posted_on}")
    else:
        # A posting closed before outcomes were recorded has none: "closed", not "closed · closed".
        status = Text("closed" + (f" · {group.outcome}" if group.outcome else ""), style="dim")
        since = Text(f"closed {group.closed_on}", style="dim")
    counts = ", ".join(f"{n} {stage}" for stage, n in group.stage_counts.items() if n)
    title.append(f"  ({counts or 'no applicants'})", style="dim")
    return title, status, since


class HiringBoard(Vertical):
    """Postings and their applicants; ``c`` on the screen closes the highlighted posting."""

    BINDINGS = [
        Binding("escape", "leave_search", "Back to the list", id="hiring.leave_search",
                show=False, tooltip="Leave the search box for the list"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups: list[PostingGroup] = []
        self.postings: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, str] = {}
        """Row key -> the posting id it belongs to (a posting's row or an applicant's)."""
        self.shown = False
        self._drawn_width = 0

    def compose(self) -> ComposeResult:
        yield Label("Job postings and applicants (/ search, c close a posting)",
                    classes="section-label")
        yield Input(id="hiring-search", placeholder="Search postings and applicants "
                    "(position, name, stage)")
        yield DataTable(id="hiring", cursor_type="row", zebra_stripes=True)
        yield Static("", id="hiring-empty", classes="empty-state")

    def on_mount(self) -> None:
        fit_columns(self.query_one("#hiring", DataTable), COLUMNS, self.size.width)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._drawn_width:
            self._draw()  # the columns fit the new width

    def show(self, postings: list[dict[str, Any]] | None,
             applicants: list[dict[str, Any]]) -> None:
        """``postings`` None: the person signed in is not shown hiring."""
        self.shown = postings is not None
        self.postings = {str(p["id"]): p for p in postings or ()}
        self.groups = group_by_posting(((pid, p) for pid, p in self.postings.items()),
                                       ((str(a["id"]), a) for a in applicants))
        self._draw()

    @on(Input.Changed, "#hiring-search")
    def _searched(self) -> None:
        self._draw()

    @on(Input.Submitted, "#hiring-search")
    def action_leave_search(self) -> None:
        self.query_one("#hiring", DataTable).focus()

    def _draw(self) -> None:
        query = self.query_one("#hiring-search", Input).value
        found = search(self.groups, query)
        table = self.query_one("#hiring", DataTable)
        fit_columns(table, COLUMNS, self.size.width)
        self._drawn_width = self.size.width
        self.rows = {}
        for group in found:
            key = f"posting:{group.id or ''}"
            table.add_row(*_posting_row(group), key=key, height=None)
            self.rows[key] = group.id or ""
            for a in group.applicants:
                table.add_row(Text("   " + a.name), Text(a.stage),
                              Text(f"applied {a.applied_on}"), key=f"applicant:{a.id}",
                              height=None)
                self.rows[f"applicant:{a.id}"] = group.id or ""
        empty = self.query_one("#hiring-empty", Static)
        if not self.shown:
            empty.update(Text(NOT_SHOWN))
        elif not self.groups:
            empty.update(Text(NO_POSTINGS))
        else:
            empty.update(Text(f"Nothing matches “{query.strip()}”."))
        empty.display = not found
        table.display = bool(found)
        self.query_one("#hiring-search", Input).display = bool(self.groups)

    def focus_search(self) -> None:
        search_box = self.query_one("#hiring-search", Input)
        if search_box.display:
            search_box.focus()

    def highlighted_posting(self) -> dict[str, Any] | None:
        """The posting of the highlighted row (its own row or an applicant's under it)."""
        table = self.query_one("#hiring", DataTable)
        if not table.row_count or not table.display:
            return None
        row_key, _ = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        return self.postings.get(self.rows.get(row_key.value or "", ""))
