"""Staff: the roster with PBJ job titles, licenses with expiry alerts, worked hours.

License state comes from the engine, computed with the terminal's clock, and is
shown in colour and in words (expired, due in 30 / 60 / 90 days), never colour
alone. The roster is paged like the census.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from protocol.ops import OpType
from protocol.records import RecordKind

from ..engine import Page, Session, StaffRow, StaffView
from ..widgets.filter_box import FilterBox
from ..widgets.fitted_columns import fit_columns
from ..widgets.staff_detail import StaffDetail
from . import staff_columns
from .base import PAGE_SIZE, PaletteCommand, RoleKey, turned_page
from .staff_entries import StaffEntries, highlighted_key

ROSTER_SHARE = 2 / 3
"""The most of the body's height the roster takes when the details are under it."""


class StaffScreen(StaffEntries):
    """The roster on the left, the highlighted staff member's licenses and hours on the right."""

    AUTO_FOCUS = "#roster"
    """The cursor starts on the roster, where the letter keys act; ``/`` filters."""
    ROLE_KEYS: ClassVar[dict[str, RoleKey]] = {
        "add_hours": RoleKey(OpType.CREATE, RecordKind.HOURS, "enter hours worked"),
        "add_license": RoleKey(OpType.CREATE, RecordKind.LICENSE, "add licenses"),
        "void_license": RoleKey(OpType.CREATE, RecordKind.LICENSE,
                                "mark licenses entered in error"),
        "add_staff": RoleKey(OpType.CREATE, RecordKind.STAFF, "add staff members"),
    }

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="staff.filter",
                tooltip="Type a name or employee id to filter the roster"),
        Binding("h", "add_hours", "Hours", id="staff.add_hours",
                tooltip="Enter hours worked in a shift by the highlighted staff member"),
        Binding("e", "edit", "Edit", id="staff.edit",
                tooltip="Edit the highlighted staff member; in the licenses table, the "
                        "highlighted license (records managers; not one entered in error); "
                        "in the hours table, correct the highlighted entry"),
        Binding("c", "add_license", "License", id="staff.add_license",
                tooltip="Add a license or credential (records managers)"),
        Binding("x", "void_license", "License in error", id="staff.void_license",
                tooltip="Mark the license highlighted in the licenses table entered in "
                        "error, with a reason (records managers): it stays on file and "
                        "counts nowhere"),
        Binding("s", "compliance_status", "Status", id="staff.compliance_status",
                tooltip="The highlighted staff member's compliance, done and due: licenses, "
                        "registry, in-service, reviews"),
        Binding("k", "compliance_form('clocked')", "Clock times", id="staff.clocked_hours",
                tooltip="A shift by its clock-in and clock-out (a night shift across "
                        "midnight) for the highlighted staff member (records managers)"),
        Binding("t", "compliance_form('training')", "In-service", id="staff.training",
                tooltip="In-service training attended: date, hours, topics "
                        "(records managers)"),
        Binding("v", "compliance_form('review')", "Review", id="staff.review",
                tooltip="A performance review (records managers)"),
        Binding("g", "compliance_form('registry')", "Registry", id="staff.registry",
                tooltip="A nurse-aide registry check (records managers)"),
        Binding("p", "compliance_form('leave')", "Paid leave", id="staff.paid_leave",
                tooltip="Paid time off, never counted as worked (records managers)"),
        Binding("ctrl+n", "add_staff", "New staff", id="staff.add",
                tooltip="Add a staff member (records managers)"),
        Binding("ctrl+r", "reload", "Refresh", id="staff.refresh",
                tooltip="Read the roster again (license states follow today's date)"),
        Binding("pagedown", "page(1)", "Next page", id="staff.next_page", priority=True,
                tooltip=f"Show the next {PAGE_SIZE} staff members"),
        Binding("pageup", "page(-1)", "Previous page", id="staff.previous_page",
                priority=True, tooltip=f"Show the previous {PAGE_SIZE} staff members"),
    ]

    class PageLoaded(Message):
        def __init__(self, key: tuple[str, int], page: Page[StaffRow]) -> None:
            super().__init__()
            self.key = key
            self.page = page

    class DetailLoaded(Message):
        def __init__(self, view: StaffView) -> None:
            super().__init__()
            self.view = view

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.page_offset = 0
        self.page: Page[StaffRow] | None = None
        self.detail: StaffView | None = None
        self._waiting: tuple[str, Callable[[StaffView], object]] | None = None
        """A key pressed for a staff member whose record is still being read."""
        self._columns: staff_columns.Columns = staff_columns.narrow()
        self._fitted = -1
        self._page_info = ""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="staff-body"):
            with Vertical(id="roster-pane"):
                yield FilterBox("#roster", id="staff-filter",
                                placeholder="Filter by name or employee id  ( / )")
                yield DataTable(id="roster", cursor_type="row", zebra_stripes=True)
                yield Static("", id="roster-empty", classes="empty-state")
                yield Static("", id="roster-page", classes="page-info")
            yield StaffDetail(id="staff-detail")

    def on_mount(self) -> None:
        self._fit_layout()
        self.query_one("#roster-empty").display = False
        note = self.query_one("#staff-role-note", Static)
        note.display = not self.session.permits(OpType.UPDATE, RecordKind.STAFF)
        note.update(Text("Signed in as a clerk: you can read staff records; hours, staff and "
                         "license changes are entered by a records manager."))
        self.load()

    # --- layout at the window's width ----------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted and self.page is not None:
            self._fill_roster(self.page)
        self._fit_roster_height()

    def _fit_roster_height(self) -> None:
        """Under the roster (a narrow window) the details would take half the
        height, leaving two or three people in view at 80×24: the roster is as
        tall as its rows, up to :data:`ROSTER_SHARE` of the body (the filter and
        page line included), and the details, which scroll, take the rest."""
        body = self.query_one("#staff-body")
        roster = self.query_one("#roster", DataTable)
        if not body.has_class("-stacked"):
            roster.styles.max_height = None
            return
        pane = self.query_one("#roster-pane")
        others = sum(child.outer_size.height for child in pane.children
                     if child is not roster and child.display)
        height = body.size.height or self.size.height - 3  # header, status line, footer
        roster.styles.max_height = max(3, int(height * ROSTER_SHARE) - max(others, 4))

    def _fit_layout(self) -> None:
        """The detail pane beside or under the roster, and the roster's columns,
        for the window's width, so that nothing scrolls sideways (changed only
        when the width does; the roster's rows go with its columns)."""
        width = self.size.width
        if width == self._fitted:
            return
        self._fitted = width
        body = self.query_one("#staff-body")
        body.set_class(not staff_columns.side_by_side(width or 80), "-stacked")
        self.call_after_refresh(self._fit_roster_height)
        roster = self.query_one("#roster", DataTable)
        roster_width = staff_columns.roster_width(width or 80)
        self._columns = staff_columns.columns_for(roster_width, 2 * roster.cell_padding)
        fit_columns(roster, self._columns, roster_width)

    # --- roster -----------------------------------------------------------------

    def load(self) -> None:
        self._fetch(self.session, (self.query_text, self.page_offset))

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load()
        if self.detail is not None:
            self._fetch_detail(self.session, self.detail.id)

    @work(thread=True, exclusive=True, group="staff", exit_on_error=False)
    def _fetch(self, session: Session, key: tuple[str, int]) -> None:
        page = session.staff.roster(key[0], offset=key[1], limit=PAGE_SIZE)
        self.post_message(self.PageLoaded(key, page))

    def on_staff_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.key != (self.query_text, self.page_offset):
            return
        self.page = message.page
        self._fill_roster(message.page)

    def _fill_roster(self, page: Page[StaffRow]) -> None:
        table = self.query_one("#roster", DataTable)
        cursor, chosen = table.cursor_row, highlighted_key(table)
        table.clear()
        self._fit_layout()
        for row in page.rows:
            # A long job title or name wraps in its column rather than being cut.
            table.add_row(*staff_columns.cells(row, self._columns), key=row.id, height=None)
        if page.rows:
            # The cursor stays on the person the clerk chose (after a save, a sync).
            ids = [row.id for row in page.rows]
            table.move_cursor(row=ids.index(chosen) if chosen in ids
                              else min(cursor, len(ids) - 1))
        if not page.rows:
            self._no_detail()
        empty = self.query_one("#roster-empty", Static)
        empty.display = not page.rows
        table.set_class(not page.rows, "-empty")
        empty.update(Text(f"No staff match '{self.query_text}'." if self.query_text
                          else "No staff on the roster yet."))
        if page.total:
            last = page.offset + len(page.rows)
            self._page_info = f"Staff {page.offset + 1:,}–{last:,} of {page.total:,}"
        else:
            self._page_info = ""
        self._show_page_info()

    def _show_page_info(self) -> None:
        """Under the roster: the page, and what narrow columns leave out of the
        highlighted person (employee id, next expiry)."""
        table = self.query_one("#roster", DataTable)
        rows = self.page.rows if self.page is not None else []
        row = rows[table.cursor_row] if 0 <= table.cursor_row < len(rows) else None
        extra = staff_columns.left_out(row, self._columns) if row is not None else ""
        self.query_one("#roster-page", Static).update(
            Text(" · ".join(t for t in (self._page_info, extra) if t)))

    def _no_detail(self) -> None:
        self.detail = None
        self.query_one(StaffDetail).show_nobody()

    @on(Input.Changed, "#staff-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self.page_offset = 0
        self.load()

    @on(Input.Submitted, "#staff-filter")
    def _to_roster(self) -> None:
        self.query_one("#roster", DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#staff-filter", Input).focus()

    def action_page(self, step: int) -> None:
        offset = turned_page(self.page, self.page_offset, step)
        if offset is not None:
            self.page_offset = offset
            self.load()

    # --- the highlighted staff member ------------------------------------------------

    @on(DataTable.RowHighlighted, "#roster")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_page_info()
        if event.row_key.value:
            self._fetch_detail(self.session, event.row_key.value)

    @work(thread=True, exclusive=True, group="staff-detail", exit_on_error=False)
    def _fetch_detail(self, session: Session, staff_id: str) -> None:
        self.post_message(self.DetailLoaded(session.staff.get(staff_id)))

    def on_staff_screen_detail_loaded(self, message: DetailLoaded) -> None:
        self.detail = message.view
        self.query_one(StaffDetail).show(message.view)
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting[0] == message.view.id:
            waiting[1](message.view)

    # --- the staff member a key acts on ----------------------------------------------------

    def _for_highlighted(self, act: Callable[[StaffView], object]) -> None:
        """Run ``act`` on the staff member highlighted in the roster.

        The detail pane is read in the background as the cursor moves; a key
        pressed before it caught up (type-ahead, a filter that just changed the
        list) waits for the highlighted person's record rather than acting on
        whoever was shown before.
        """
        staff_id = highlighted_key(self.query_one("#roster", DataTable))
        if staff_id is None:
            self.app.notify("No staff member is highlighted: filter the roster or add one.",
                            severity="warning")
        elif self.detail is not None and self.detail.id == staff_id:
            act(self.detail)
        else:
            self._waiting = (staff_id, act)
            self._fetch_detail(self.session, staff_id)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Enter hours worked", "Hours for one shift of the highlighted staff member",
             self.action_add_hours),
            ("Add a license", "A license or credential with its expiry",
             self.action_add_license),
            ("Mark a license entered in error",
             "The highlighted license, with a reason (records managers)",
             self._void_license_command),
            ("Compliance of the staff member", "Licenses, registry, in-service, reviews",
             self.action_compliance_status),
            ("Enter a shift by clock times", "Clock-in and clock-out, across midnight too",
             lambda: self.action_compliance_form("clocked")),
            ("Record in-service training", "Date, hours, topics",
             lambda: self.action_compliance_form("training")),
            ("Record a performance review", "Records managers only",
             lambda: self.action_compliance_form("review")),
            ("Record a registry check", "Before the first shift as a nurse aide",
             lambda: self.action_compliance_form("registry")),
            ("Record paid leave", "Never counted as worked",
             lambda: self.action_compliance_form("leave")),
            ("Add a staff member", "Records managers only", self.action_add_staff),
            ("Edit the staff member", "Name, job title, pay type, dates (records managers)",
             self.action_edit),
            ("Edit a license", "Focus the licenses table, highlight one, then e",
             self._edit_license_command),
            ("Correct hours", "Focus the hours table, highlight the entry, then e",
             self._correct_hours_command),
        ]
