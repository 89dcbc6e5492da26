"""The census: who is in the facility, filtered as the clerk types.

Rows come a page at a time from ``session.residents.census`` (paged in SQL), so a facility
group with ten thousand residents stays as quick as one with forty: the table
never holds more than one page.

One query runs at a time. A keystroke while it runs only marks the filter as
changed; when the page comes back, the newest filter is asked for at once and
the stale page is dropped. So a burst of typing never queues a query per key
(each competing for the store and the interpreter), and the last key waits for
no timer: there is no debounce delay to pay. A page identical to the one shown
leaves the table alone, and the empty state and page line are touched only
when their text changes, so a refresh costs no redraw.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Static, Tab, Tabs

from ..dialogs import resident_forms
from ..dialogs.message import MessageDialog
from ..engine import Departure, Page, ResidentRow, Session
from ..widgets.filter_box import FilterBox
from ..widgets.fitted_columns import fit_columns
from . import census_columns
from .base import PAGE_SIZE, PaletteCommand, WorkScreen, turned_page

STATUS_TABS: dict[str, tuple[str, set[str] | None]] = {
    "current": ("Current", {"in_house", "on_leave", "in_hospital", "awaiting_bed"}),
    "in_house": ("In house", {"in_house"}),
    "on_leave": ("On leave", {"on_leave"}),
    "in_hospital": ("In hospital", {"in_hospital"}),
    "awaiting_bed": ("Awaiting bed", {"awaiting_bed"}),
    "pre_admission": ("Pre-admission", {"pre_admission"}),
    "discharged": ("Discharged", {"discharged", "transferred"}),
    "transferred_out": ("Transferred out", set()),
    "all": ("All", None),
}
SHORT_LABELS: dict[str, str] = {
    "on_leave": "Leave", "in_hospital": "Hospital", "awaiting_bed": "Awaiting",
    "pre_admission": "Pre-admit", "transferred_out": "Out",
}
"""Tab labels when the full ones do not fit the window (all nine fit in 80 columns);
each tab's tooltip keeps the full name."""
TRANSFERRED_OUT = "transferred_out"
"""Residents whose record moved to another facility: kept by this terminal
(``session.departures``), not in the census's records."""


def short_tabs(width: int) -> bool:
    """Whether the full tab labels (each with a cell of padding either side) are
    wider than ``width`` cells."""
    return sum(len(label) + 2 for label, _ in STATUS_TABS.values()) > width


class CensusScreen(WorkScreen):
    """Residents, filtered by name, room or record number, a page at a time."""

    AUTO_FOCUS = "#census-table"
    """The cursor starts on the list (``/`` or typing a letter goes to the filter)."""
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="census.filter",
                tooltip="Type a name, room or record number to filter the census"),
        Binding("ctrl+n", "register", "New resident", id="census.register",
                tooltip="Register a resident (a record number is assigned)"),
        Binding("pagedown", "page(1)", "Next page", id="census.next_page",
                tooltip=f"Show the next {PAGE_SIZE} residents", priority=True),
        Binding("pageup", "page(-1)", "Previous page", id="census.previous_page",
                tooltip=f"Show the previous {PAGE_SIZE} residents", priority=True),
        Binding("ctrl+r", "reload", "Refresh", id="census.refresh",
                tooltip="Read the census again"),
        Binding("ctrl+t", "next_status", "Next list", id="census.next_status",
                tooltip="Cycle the lists: current, in house, on leave, in hospital, …"),
    ]

    class PageLoaded(Message):
        def __init__(self, key: tuple[str, str, int], page: Page[ResidentRow]) -> None:
            super().__init__()
            self.key = key
            self.page = page

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.status_key = "current"
        self.page_offset = 0
        self.page: Page[ResidentRow] | None = None
        self._fetching = False
        self._fetch_again = False
        self._shown_rows: list[ResidentRow] | None = None
        self._shown_key: tuple[str, str, int] | None = None
        """The filter, list and offset of the rows on screen (Enter acts on those only)."""
        self._texts: dict[str, str] = {}
        self._open_when_loaded = False
        """Enter was pressed in the filter before its matches arrived."""
        self._columns: census_columns.Columns = census_columns.narrow()
        self._fitted = (-1, 0)
        self._page_info = ""

    def compose_body(self) -> ComposeResult:
        with Vertical(id="census-body"):
            with Horizontal(classes="toolbar"):
                yield FilterBox("#census-table", id="census-filter",
                                placeholder="Filter by name, room or record number  ( / )")
            short = short_tabs(self.app.size.width)
            yield Tabs(*(Tab(SHORT_LABELS.get(key, label) if short else label, id=f"tab-{key}")
                         for key, (label, _) in STATUS_TABS.items()),
                       id="census-status")
            yield DataTable(id="census-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="census-empty", classes="empty-state")
            yield Static("", id="census-page", classes="page-info")

    def on_mount(self) -> None:
        self._fit_tabs()
        self._fit_columns()
        self._set_text("#census-empty", "Reading the census…")
        self.load()

    def _fit_tabs(self) -> None:
        """Full tab labels when they all fit the window, the short ones when not:
        every list's tab shows whole, none hidden past the edge."""
        short = short_tabs(self.size.width or self.app.size.width)
        changed = False
        for tab in self.query("#census-status Tab").results(Tab):
            key = (tab.id or "").removeprefix("tab-")
            label = SHORT_LABELS.get(key, STATUS_TABS[key][0]) if short else STATUS_TABS[key][0]
            if tab.label_text != label:
                tab.label = label
                changed = True
            tab.tooltip = STATUS_TABS[key][0] if label != STATUS_TABS[key][0] else None
        if changed:  # the underline follows the active tab to its new place
            tabs = self.query_one("#census-status", Tabs)
            underline = tabs._highlight_active  # noqa: SLF001  Textual's own redraw of it
            tabs.call_after_refresh(underline, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_tabs()
        if event.size.width != self._fitted[0] and self._shown_rows is not None:
            self._fill_table(self.query_one("#census-table", DataTable), self._shown_rows)

    def _fit_columns(self, rows: list[ResidentRow] | None = None) -> None:
        """Columns for the window's width and the record numbers shown, so the
        list never scrolls sideways (changed only when either does)."""
        table = self.query_one("#census-table", DataTable)
        fitted = (self.size.width, census_columns.mrn_width(rows or ()))
        if fitted == self._fitted:
            return
        self._fitted = fitted
        self._columns = census_columns.columns_for(fitted[0], 2 * table.cell_padding,
                                                   fitted[1])
        fit_columns(table, self._columns, fitted[0])

    # --- loading ------------------------------------------------------------------

    def current_key(self) -> tuple[str, str, int]:
        return (self.query_text, self.status_key, self.page_offset)

    def load(self) -> None:
        """Ask for the page of the current filter, list and offset."""
        if self._fetching:
            self._fetch_again = True  # asked for when the running query returns
            return
        self._fetching, self._fetch_again = True, False
        self._fetch(self.session, self.current_key())

    def on_worker_failed(self) -> None:
        """The query failed (the terminal locked, say): let the next load run."""
        self._fetching = False

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="census", exit_on_error=False)
    def _fetch(self, session: Session, key: tuple[str, str, int]) -> None:
        query, status_key, offset = key
        if status_key == TRANSFERRED_OUT:
            page = session.departures.page(query, offset=offset, limit=PAGE_SIZE)
        else:
            page = session.residents.census(query, statuses=STATUS_TABS[status_key][1],
                                            offset=offset, limit=PAGE_SIZE)
        self.post_message(self.PageLoaded(key, page))

    def on_census_screen_page_loaded(self, message: PageLoaded) -> None:
        self._fetching = False
        if self._fetch_again or message.key != self.current_key():
            self.load()  # the clerk typed on (or the data changed) while it ran
        if message.key != self.current_key():
            return  # stale: the newer page is on its way
        self.page = message.page
        self._shown_key = message.key
        self.show_page(message.page)
        if self._open_when_loaded:
            self._open_when_loaded = False
            if message.page.rows:
                self.open_resident(message.page.rows[0].id)

    def show_page(self, page: Page[ResidentRow]) -> None:
        table = self.query_one("#census-table", DataTable)
        if page.rows != self._shown_rows:
            self._fill_table(table, page.rows)
        self._show_empty_state(page)
        info = ""
        if page.total:
            first, last = page.offset + 1, page.offset + len(page.rows)
            more = "  ·  PgDn for more" if last < page.total else ""
            info = f"Residents {first:,}–{last:,} of {page.total:,}{more}"
        self._page_info = info
        self._show_left_out()

    @on(DataTable.RowHighlighted, "#census-table")
    def _show_left_out(self) -> None:
        """Under the list: the page, and what narrow columns leave out of the
        highlighted resident (their unit and admission)."""
        table = self.query_one("#census-table", DataTable)
        rows = self._shown_rows or []
        row = rows[table.cursor_row] if 0 <= table.cursor_row < len(rows) else None
        extra = census_columns.left_out(row, self._columns, self.chartkeep.today())
        self._set_text("#census-page", " · ".join(t for t in (self._page_info, extra) if t))

    def _fill_table(self, table: DataTable[Any], rows: list[ResidentRow]) -> None:
        self._shown_rows = rows
        cursor = table.cursor_row
        chosen = (table.coordinate_to_cell_key(Coordinate(cursor, 0)).row_key.value
                  if 0 <= cursor < table.row_count else None)
        table.clear()
        self._fit_columns(rows)
        today = self.chartkeep.today()
        for row in rows:
            # A long name wraps in its column rather than being cut.
            table.add_row(*census_columns.cells(row, self._columns, today), key=row.id,
                          height=None)
        ids = [row.id for row in rows]
        if chosen in ids:  # the cursor stays on the resident the clerk chose
            table.move_cursor(row=ids.index(chosen))
        elif rows and cursor > 0:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def _show_empty_state(self, page: Page[ResidentRow]) -> None:
        empty = self.query_one("#census-empty", Static)
        if empty.display != (not page.rows):
            empty.display = not page.rows
            self.query_one("#census-table", DataTable).set_class(not page.rows, "-empty")
        if page.rows:
            return
        label = STATUS_TABS[self.status_key][0].lower()
        if self.query_text:
            message = (f"No residents match '{self.query_text}' in the {label} list. Try "
                       "part of the name, the room or the record number, or press ctrl+t "
                       "for another list.")
        elif self.status_key == "current":
            message = ("No residents in the current list. Press ctrl+t for the other "
                       "lists, ctrl+n to register a resident, or ctrl+s to sync.")
        else:
            message = f"No residents in the {label} list."
        self._set_text("#census-empty", message)

    def _set_text(self, selector: str, text: str) -> None:
        """Update a Static only when its text changes: each update is a redraw."""
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            self.query_one(selector, Static).update(Text(text))

    # --- the clerk's actions --------------------------------------------------------

    @on(Input.Changed, "#census-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self.page_offset = 0
        self.load()

    @on(Input.Submitted, "#census-filter")
    def _to_table(self) -> None:
        """Enter in the filter opens the first match (once the list has caught up
        with what was typed); the list takes the focus for arrows and Enter later."""
        table = self.query_one("#census-table", DataTable)
        table.focus()
        if self._fetching or self._fetch_again:
            self._open_when_loaded = True
        elif self._shown_rows:
            self.open_resident(self._shown_rows[0].id)

    @on(Tabs.TabActivated, "#census-status")
    def _status(self, event: Tabs.TabActivated) -> None:
        key = (event.tab.id or "tab-current").removeprefix("tab-")
        if key != self.status_key:
            self.status_key = key
            self.page_offset = 0
            self.load()

    def action_focus_filter(self) -> None:
        self.query_one("#census-filter", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """A letter or digit typed on the list starts the filter: the census has no
        letter keys, and a clerk types a name to find a resident."""
        super().on_key(event)
        table = self.query_one("#census-table", DataTable)
        if self.app.focused is not table or not (event.character or "").isalnum():
            return
        event.stop()
        self.query_one("#census-filter", FilterBox).type_ahead(event.character or "")

    def action_next_status(self) -> None:
        self.query_one("#census-status", Tabs).action_next_tab()

    def action_page(self, step: int) -> None:
        offset = turned_page(self.page, self.page_offset, step)
        if offset is not None:
            self.page_offset = offset
            self.load()

    @on(DataTable.RowSelected, "#census-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens that resident, only while the rows on screen are
        the list the tabs and the filter say: keys typed ahead of a tab change
        (ctrl+t ctrl+t Enter) must not open someone from the list before."""
        resident_id = event.row_key.value
        if not resident_id:
            return
        if self._shown_key != self.current_key() or resident_id not in {
                row.id for row in self._shown_rows or ()}:
            self.app.notify("The list was still changing; press Enter again to open the "
                            "highlighted resident.", title="Not opened", severity="warning",
                            markup=False)
            return
        self.open_resident(resident_id)

    def open_resident(self, resident_id: str) -> None:
        from .resident import ResidentScreen

        if self.status_key == TRANSFERRED_OUT:
            self._read_departure(self.session, resident_id)
            return
        self.app.push_screen(ResidentScreen(resident_id))

    @work(thread=True, exclusive=True, group="departure", exit_on_error=False)
    def _read_departure(self, session: Session, resident_id: str) -> None:
        self.post_message(self.DepartureRead(session.departures.get(resident_id)))

    class DepartureRead(Message):
        def __init__(self, departure: Departure) -> None:
            super().__init__()
            self.departure = departure

    def on_census_screen_departure_read(self, message: DepartureRead) -> None:
        """What this facility keeps of a resident it transferred out."""
        d = message.departure
        facts = Text()
        for label, value in (("Record no.", d.mrn), ("Born", d.birth_date),
                             ("Admitted", d.admitted_at), ("Transferred", d.left_on),
                             ("To", d.to_facility)):
            facts.append(f"{label}: ", style="bold")
            facts.append(f"{value or 'not recorded'}\n")
        facts.rstrip()
        self.app.push_screen(MessageDialog(
            f"Transferred out: {d.display_name}", facts, severity="information",
            next_step=f"The record, with everything written since, is now at {d.to_facility}."))

    def action_register(self) -> None:
        session = self.session
        self.app.push_screen(resident_forms.register_resident(session.residents.register),
                             self._registered)

    def _registered(self, resident_id: str | None) -> None:
        if resident_id:
            self.app.notify("Resident registered; it will be sent at the next sync.",
                            title="Saved")
            self.load()
            self.chartkeep.refresh_sync_status()
            self.open_resident(resident_id)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Register a resident", "Create a new resident record", self.action_register),
            ("Filter the census", "Type a name, room or record number",
             self.action_focus_filter),
        ]

