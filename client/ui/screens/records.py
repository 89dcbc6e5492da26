"""The records department (F9): its due list, requests for records, amendment
requests, completeness reviews, retention and extracts.

One table, six lists (``ctrl+t`` cycles them): the **due list** — every clock
that runs, soonest first, overdue in red — and one list per kind of work. Type
to filter any list (a name, a requester, a word of what is due). The keys act
on the highlighted row; each form checks by the server's own rule, offline.
Everything is read in a thread worker; names are shown as typed. What each
list shows is :mod:`.records_lists`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from protocol.ops import OpType
from protocol.records import RecordKind

from ..dialogs import records_forms
from ..dialogs.message import MessageDialog
from ..dialogs.resident_picker import ResidentPickerDialog
from ..engine import Session
from ..widgets.filter_box import FilterBox
from ..widgets.fitted_columns import show_fitted
from .base import PaletteCommand, WorkScreen
from .records_lists import EMPTY, LISTS, Row, list_rows, shown_cells, shown_columns


class RecordsScreen(WorkScreen):
    """The records department's lists and due dates."""

    AUTO_FOCUS = "#records-table"

    # At 80 columns the footer holds F1 and four keys: the lists, the filter, a new request
    # and a release. The others (show=False) work all the same; F1 lists every key and the
    # command palette (ctrl+p) offers each of them by name.
    BINDINGS = [
        Binding("ctrl+t", "next_list", "Next list", id="records.next_list",
                tooltip="Due list, requests, amendments, completeness, retention, extracts"),
        Binding("slash", "filter", "Filter", id="records.filter",
                tooltip="Type part of a name, requester or what is due"),
        Binding("n", "new_request", "Request", id="records.new_request",
                tooltip="Record a request for a resident's records"),
        Binding("a", "new_amendment", "Amendment", id="records.new_amendment", show=False,
                tooltip="Record a resident's request to amend their record"),
        Binding("e", "extend", "Extend", id="records.extend", show=False,
                tooltip="Extend the highlighted request or amendment once, with notice"),
        Binding("r", "release", "Release", id="records.release",
                tooltip="Release the records of the highlighted request"),
        Binding("o", "open_review", "Open review", id="records.open_review", show=False,
                tooltip="Open the completeness review of the highlighted discharge"),
        Binding("c", "resolve", "Completed", id="records.resolve", show=False,
                tooltip="Mark a deficiency of the highlighted review completed"),
        Binding("h", "hold", "Legal hold", id="records.hold", show=False,
                tooltip="Place a legal hold on the highlighted resident's record"),
        Binding("d", "accounting", "Accounting", id="records.accounting", show=False,
                tooltip="Write a resident's accounting of disclosures (PDF and CSV)"),
        Binding("x", "extract", "Extract", id="records.extract", show=False,
                tooltip="Write a research extract (CSV, de-identified)"),
        Binding("ctrl+r", "reload", "Refresh", id="records.refresh", show=False,
                tooltip="Read the lists again"),
    ]

    class Loaded(Message):
        def __init__(self, which: str, rows: list[Row], line: str) -> None:
            super().__init__()
            self.which = which
            self.rows = rows
            self.line = line

    def __init__(self) -> None:
        super().__init__()
        self.which = "due"
        self.rows: list[Row] = []
        self.by_key: dict[str, Row] = {}
        self._fitted = 0

    def compose_body(self) -> ComposeResult:
        with Vertical(id="records-body"):
            yield Label("", id="records-title", classes="section-label")
            yield FilterBox("#records-table", id="records-filter",
                            placeholder="Type to filter this list")
            yield DataTable(id="records-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="records-empty", classes="empty-state")

    def on_mount(self) -> None:
        table = self.query_one("#records-table", DataTable)
        table.loading = True
        table.focus()  # the keys act on the list; / goes to the filter
        self.reload()

    def reload(self) -> None:
        self._fetch(self.session, self.which)

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="records", exit_on_error=False)
    def _fetch(self, session: Session, which: str) -> None:
        rows = list_rows(session, which)
        self.post_message(self.Loaded(which, rows, session.casework.status_line()))

    def on_records_screen_loaded(self, message: Loaded) -> None:
        if message.which != self.which:
            return
        self.rows = message.rows
        self.by_key = {row.key: row for row in message.rows}
        title = dict(LISTS)[self.which]
        self.query_one("#records-title", Label).update(
            Text(f"{title}  ·  {message.line}  ·  ctrl+t next list"))
        self._show()

    @on(Input.Changed, "#records-filter")
    def _filtered(self) -> None:
        self._show()

    @on(Input.Submitted, "#records-filter")
    def _to_list(self) -> None:
        self.query_one("#records-table", DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted:
            self._show()  # the columns fit the new width

    def _show(self) -> None:
        """The list's rows that match the filter, its columns fitted to them and to
        the window (the free text wrapping), so it never scrolls sideways."""
        table = self.query_one("#records-table", DataTable)
        table.loading = False
        words = self.query_one("#records-filter", Input).value.casefold().split()
        shown = [row for row in self.rows
                 if all(any(w in str(c).casefold() for c in row.cells) for w in words)]
        self._fitted = self.size.width
        columns = shown_columns(self.which, self._fitted)
        show_fitted(table, columns, [(row.key, shown_cells(row, columns)) for row in shown],
                    self._fitted)
        empty = self.query_one("#records-empty", Static)
        empty.update(Text(EMPTY[self.which] if not self.rows or not words
                          else "Nothing matches the filter."))
        empty.display = not shown
        table.display = bool(shown)
        # An empty list has nothing to filter: the filter goes, so the cursor is not left
        # in it, taking the letter keys (n, a, x: the first item) out of the footer.
        self.query_one("#records-filter", Input).display = bool(self.rows or words)
        if shown and self.app.focused is None:
            table.focus()

    def highlighted(self) -> Row | None:
        table = self.query_one("#records-table", DataTable)
        if not table.row_count or not table.display:
            return None
        row_key, _ = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        return self.by_key.get(row_key.value or "")

    # --- lists -------------------------------------------------------------------------------

    def action_next_list(self) -> None:
        names = [name for name, _ in LISTS]
        self.which = names[(names.index(self.which) + 1) % len(names)]
        table = self.query_one("#records-table", DataTable)
        table.move_cursor(row=0)  # a new list starts at its top
        table.loading = True
        self.reload()

    def action_filter(self) -> None:
        self.query_one("#records-filter", Input).focus()

    @on(DataTable.RowSelected, "#records-table")
    def _details(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        lines = Text()
        for key, value in sorted(row.data.items()):
            if key.startswith("_") or value in (None, "", [], {}):
                continue
            lines.append(f"{key.replace('_', ' ')}: ", style="bold")
            lines.append(f"{value}\n")
        self.app.push_screen(MessageDialog(str(row.cells[1]), lines))

    # --- actions ------------------------------------------------------------------------------

    def _may(self, name: str, what: str) -> bool:
        if self.session.permits(OpType.COMMAND, command=name):
            return True
        self.app.notify(f"Only a records manager can {what}.", title="Records managers only",
                        severity="warning", markup=False)
        return False

    def _saved(self, result: object) -> None:
        if result is not None:
            self.app.notify("Saved; it will be sent at the next sync.", title="Saved")
            self.reload()
            self.chartkeep.refresh_sync_status()

    def _pick_resident(self, title: str, then: Any, *, transferred_out: bool = False) -> None:
        def chosen(row: Any) -> None:
            if row is not None:
                then(row.id, row.display_name)

        self.app.push_screen(ResidentPickerDialog(self.session, title,
                                                  transferred_out=transferred_out), chosen)

    def action_new_request(self) -> None:
        now = self.session.clock.now()

        def then(resident_id: str, who: str) -> None:
            self.app.push_screen(records_forms.new_request(self.session, resident_id, who, now),
                                 self._saved)

        # A resident transferred out too: this facility answers for the records it
        # kept (docs/rules.md §5.6 N9).
        self._pick_resident("Whose records are asked for?", then, transferred_out=True)

    def action_new_amendment(self) -> None:
        today = self.session.clock.today()

        def then(resident_id: str, who: str) -> None:
            self.app.push_screen(records_forms.new_amendment(self.session, resident_id, who,
                                                             today, []), self._saved)

        self._pick_resident("Whose record is to be amended?", then)

    def action_extend(self) -> None:
        row = self.highlighted()
        case_id = str(row.data.get("id")) if row else ""
        kind = row.kind if row else ""
        if kind in ("record_request", "due:request"):
            name, target = "extend_request", "request_id"
        elif kind in (RecordKind.AMENDMENT_REQUEST, "due:amendment"):
            name, target = "extend_amendment", "amendment_id"
        else:
            self.app.notify("Highlight an open request or amendment request first.")
            return
        if self._may(name, "extend a request"):
            self.app.push_screen(records_forms.extend(self.session, name, target, case_id,
                                                      self.session.clock.today()), self._saved)

    def action_release(self) -> None:
        row = self.highlighted()
        if row is None or row.kind not in ("record_request", "due:request"):
            self.app.notify("Highlight an open request for records first.")
            return
        if self._may("release_records", "release records"):
            self.app.push_screen(records_forms.release(self.session, str(row.data["id"]),
                                                       self.session.clock.today()), self._saved)

    def action_open_review(self) -> None:
        row = self.highlighted()
        if row is None or row.kind != "due:review_to_open" or row.resident_id is None:
            self.app.notify("Highlight a discharge to review (in the due list) first.")
            return
        self._open_review(self.session, row.resident_id, str(row.cells[3]).rsplit(" ", 1)[-1])

    @work(thread=True, group="records-write", exit_on_error=False)
    def _open_review(self, session: Session, resident_id: str, discharged_on: str) -> None:
        session.casework.open_review(resident_id, discharged_on=discharged_on)
        self.app.call_from_thread(self._saved, True)

    def action_resolve(self) -> None:
        row = self.highlighted()
        if row is None or row.kind not in (RecordKind.COMPLETENESS_REVIEW, "due:completeness"):
            self.app.notify("Highlight a completeness review first.")
            return
        review = self.session.casework.case(str(row.data["id"]))
        codes = [(str(d["title"]), str(d["code"])) for d in
                 (review.data.get("deficiencies", []) if review else [])
                 if not d.get("resolved_on")]
        if not codes:
            self.app.notify("Every deficiency of this review is completed.")
            return
        self.app.push_screen(records_forms.resolve_deficiency(
            self.session, str(row.data["id"]), codes, self.session.clock.today()), self._saved)

    def action_hold(self) -> None:
        if not self._may("place_hold", "place a legal hold"):
            return
        today = self.session.clock.today()

        def then(resident_id: str, who: str) -> None:
            self.app.push_screen(records_forms.legal_hold(self.session, resident_id, who, today),
                                 self._saved)

        self._pick_resident("Whose record goes on legal hold?", then)

    def action_accounting(self) -> None:
        today = self.session.clock.today()

        def written(pdf: Any, csv_path: Any) -> None:
            self.app.call_from_thread(self.app.notify, f"Written to {pdf} and {csv_path}.",
                                      title="Accounting of disclosures", markup=False)

        def then(resident_id: str, who: str) -> None:
            self.app.push_screen(records_forms.accounting(
                self.session, resident_id, who, self.chartkeep.home, today, written))

        self._pick_resident("Whose accounting of disclosures?", then, transferred_out=True)

    def action_extract(self) -> None:
        if not self._may("record_extract", "write a research extract"):
            return

        def written(path: Any, rows: int) -> None:
            self.app.call_from_thread(self.app.notify, f"{rows} rows written to {path}.",
                                      title="Extract written", markup=False)

        self.app.push_screen(records_forms.extract(self.session, self.chartkeep.home, written),
                             self._saved)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Records: next list", "Due list, requests, amendments, …", self.action_next_list),
            ("Records: new request for records", "Pick the resident, then fill in",
             self.action_new_request),
            ("Records: release", "The records of the highlighted request", self.action_release),
            ("Records: new amendment request", "A resident's request to amend their record",
             self.action_new_amendment),
            ("Records: extend", "The highlighted request or amendment, once, with notice",
             self.action_extend),
            ("Records: open the completeness review", "Of the highlighted discharge",
             self.action_open_review),
            ("Records: deficiency completed", "Of the highlighted review", self.action_resolve),
            ("Records: legal hold", "On the highlighted resident's record", self.action_hold),
            ("Records: accounting of disclosures", "A resident's, as PDF and CSV",
             self.action_accounting),
            ("Records: research extract", "CSV, Safe Harbor", self.action_extract),
            ("Records: refresh", "Read the lists again", self.action_reload),
        ]
