"""Compliance (F8): today's status in words and colour, the 14-day staffing chart,
the due lists, and exports — all offline, for this facility only.

The figures are the shared report definitions' (``protocol.reports``), computed
from this terminal's store. An export writes resident or staff data to a
plaintext file: it happens only when the clerk asks, after a warning, and the
terminal's audit records it (``session.compliance``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from protocol.ops import OpType
from protocol.records import RecordKind
from protocol.reports.status import ComplianceStatus
from protocol.rules.due import DueItem
from protocol.rules.residents.mds import record_asked_for

from ..dialogs import assessment_forms, compliance_forms, staff_compliance_forms
from ..dialogs.staff_status import StaffCompliance
from ..engine import Session, StaffView
from ..messages import DataChanged
from ..permissions import permitted_or_told
from ..widgets.fitted_columns import fit_columns
from .base import PaletteCommand, WorkScreen

LEVEL = {"ok": ("OK  ", "green"), "warn": ("LOOK", "bold yellow"),
         "fail": ("FAIL", "bold white on red")}
LISTS = (("mds", "MDS"), ("licenses", "Licenses"), ("registry", "Registry"),
         ("in_service", "In-service"), ("reviews", "Reviews"))
SERIES = (("total", "Total"), ("rn", "RN"), ("aide", "Aides"))
STAFF_FORMS = {"registry": "registry", "in_service": "training", "reviews": "review"}
"""The staff compliance form an item of each due list opens (licenses: none)."""
WIDE_COLUMNS = (("Who", 24), ("What", 40), ("Status", 10), ("Due", 10), ("Why", None))
NARROW_COLUMNS = (("Who", 22), ("What", None), ("Status", 10), ("Due", 10))
"""Below :data:`WIDE_FROM` columns the reason (a sentence) leaves the lists: the
highlighted item's shows under them, and no list scrolls sideways. What is due
("death in facility tracking record: completion") takes 40 cells when it can, and
what is left in a narrow window; longer text wraps."""
WIDE_FROM = 130


def status_text(status: ComplianceStatus) -> Text:
    """Every status line, its level in words and in colour."""
    text = Text()
    word, style = LEVEL[status.level]
    text.append(f" {word} ", style=style)
    text.append(f"  Compliance on {status.today.isoformat()}\n", style="bold")
    for line in status.lines:
        word, style = LEVEL[line.level]
        text.append(f" {word} ", style=style)
        text.append(f"  {line.text}\n")
    return text


class ComplianceScreen(WorkScreen):
    BINDINGS = [
        Binding("x", "export", "Export report", id="compliance.export",
                tooltip="Write a report to a file (PDF, CSV or JSON): plaintext, audited"),
        Binding("p", "pbj", "PBJ file", id="compliance.pbj",
                tooltip="Check a quarter's PBJ file and write it when CMS would accept it"),
        Binding("ctrl+r", "reload", "Refresh", id="compliance.refresh",
                tooltip="Compute the status again from this terminal's records"),
        Binding("enter", "open_item", "Open", id="compliance.open",
                tooltip="Open the highlighted item: the MDS assessment it asks for, the "
                        "registry check, in-service or review form, or the staff member's "
                        "compliance"),
    ]

    class Loaded(Message):
        def __init__(self, status: ComplianceStatus, names: dict[str, str]) -> None:
            super().__init__()
            self.status = status
            self.names = names

    class StaffFound(Message):
        def __init__(self, key: str, staff: StaffView) -> None:
            super().__init__()
            self.key = key
            self.staff = staff

    class AssessmentFound(Message):
        def __init__(self, item: DueItem, assessment: dict[str, Any] | None) -> None:
            super().__init__()
            self.item = item
            self.assessment = assessment

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}
        self.shown: dict[str, list[DueItem]] = {}
        """The items each due list shows, in row order."""
        self._due: dict[str, list[DueItem]] = {}
        self._fitted = -1

    def compose_body(self) -> ComposeResult:
        with Vertical(id="compliance-body"):
            with Horizontal(id="compliance-top"):
                with VerticalScroll(id="compliance-status-scroll"):
                    yield Static(Text("Computing…", style="dim"), id="compliance-status")
                yield PlotextPlot(id="compliance-chart")
            with TabbedContent(id="compliance-lists"):
                for key, title in LISTS:
                    with TabPane(title, id=f"due-{key}"):
                        yield DataTable(id=f"list-{key}", cursor_type="row",
                                        zebra_stripes=True)
            yield Static("", id="due-why", classes="page-info")

    def on_mount(self) -> None:
        self._fit()
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted and self._due:
            self._fill_lists()

    def _fit(self) -> None:
        """The lists' columns for the window's width (changed only when it does)."""
        if self.size.width == self._fitted:
            return
        self._fitted = width = self.size.width
        columns = WIDE_COLUMNS if width >= WIDE_FROM else NARROW_COLUMNS
        for key, _title in LISTS:
            fit_columns(self.query_one(f"#list-{key}", DataTable), columns, width)

    @on(DataTable.RowHighlighted)
    @on(TabbedContent.TabActivated)
    def _show_why(self) -> None:
        """Under the lists, in a narrow window: why the highlighted item is due."""
        why = self.query_one("#due-why", Static)
        key = str(self.query_one(TabbedContent).active).removeprefix("due-")
        if key not in dict(LISTS):
            return
        items = self.shown.get(key, [])
        table = self.query_one(f"#list-{key}", DataTable)
        narrow = self._fitted < WIDE_FROM
        why.display = narrow
        if narrow and items and 0 <= table.cursor_row < len(items):
            why.update(Text(items[table.cursor_row].why))
        else:
            why.update("")

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(self.session)

    @work(thread=True, exclusive=True, group="compliance", exit_on_error=False)
    def _load(self, session: Session) -> None:
        status = session.compliance.status()
        facts = session.compliance.facts()
        names = {**{sid: facts.staff_name(sid) for sid in facts.staff},
                 **{rid: facts.resident_name(rid)
                    for rid in (*facts.residents, *facts.departed)}}
        self.post_message(self.Loaded(status, names))

    def on_compliance_screen_loaded(self, message: Loaded) -> None:
        status = message.status
        self.names = message.names
        self.query_one("#compliance-status", Static).update(status_text(status))
        self._chart(status)
        self._due = {key: status.due.get(key, []) for key, _title in LISTS}
        self._fill_lists()

    def _fill_lists(self) -> None:
        self._fit()
        for key, _title in LISTS:
            self.shown[key] = self._fill(self.query_one(f"#list-{key}", DataTable),
                                         self._due[key], self.names)
        self._show_why()

    def _chart(self, status: ComplianceStatus) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        days = status.chart.days
        labels = [d.strftime("%m-%d") for d in days]
        for key, label in SERIES:
            points = [(i, float(v)) for i, v in enumerate(status.chart.series.get(key, []))
                      if v is not None]
            if points:
                plt.plot([float(p[0]) for p in points], [p[1] for p in points], label=label,
                         marker="braille")
        for key, minimum in status.chart.minimums.items():
            plt.hline(float(minimum))
            del key
        plt.xticks([float(i) for i in range(len(labels))][::2], labels[::2])
        plt.title(f"Hours per resident day, last {len(days)} days")
        plot.refresh()

    @staticmethod
    def _fill(table: DataTable[Any], items: list[DueItem], names: dict[str, str]
              ) -> list[DueItem]:
        table.clear()
        shown = sorted((i for i in items if i.needs_action),
                       key=lambda i: (i.due or date.max, i.subject))
        wide = len(table.columns) == len(WIDE_COLUMNS)
        for item in shown:
            style = "bold red" if item.status in {"overdue", "violation"} else "yellow"
            cells = [Text(names.get(item.subject, item.subject)), Text(item.what),
                     Text(str(item.status).replace("_", " "), style=style),
                     Text(item.due.isoformat() if item.due else "")]
            table.add_row(*cells, *([Text(item.why)] if wide else []), height=None)
        if not shown:
            table.add_row(Text("Nothing needs action.", style="dim"),
                          *[""] * (len(table.columns) - 1))
        return shown

    # --- a due item opens the record it asks for ---------------------------------------

    @on(DataTable.RowSelected)
    def action_open_item(self) -> None:
        """MDS: the assessment the item asks for (or points at). Registry, in-service,
        reviews: that form for the staff member (records managers); otherwise, and for
        licenses, the staff member's compliance."""
        key = str(self.query_one(TabbedContent).active).removeprefix("due-")
        items = self.shown.get(key, [])
        if not items:
            return
        table = self.query_one(f"#list-{key}", DataTable)
        item = items[min(max(table.cursor_row, 0), len(items) - 1)]
        if key != "mds":
            self._find_staff(self.session, key, item.subject)
        elif not permitted_or_told(self.app, self.session, "record assessments",
                                   OpType.CREATE, RecordKind.ASSESSMENT):
            return
        elif item.ref is None:
            self._open_assessment(item, None)
        else:
            self._find_assessment(self.session, item)

    @work(thread=True, exclusive=True, group="compliance-item", exit_on_error=False)
    def _find_staff(self, session: Session, key: str, staff_id: str) -> None:
        self.post_message(self.StaffFound(key, session.staff.get(staff_id)))

    def on_compliance_screen_staff_found(self, message: StaffFound) -> None:
        staff, session = message.staff, self.session
        which = STAFF_FORMS.get(message.key)
        kind = staff_compliance_forms.FORMS[which][0] if which else None
        if which is None or kind is None or not session.permits(OpType.CREATE, kind):
            self.app.push_screen(StaffCompliance(session, staff.id, staff.display_name))
            return
        _kind, form, done = staff_compliance_forms.FORMS[which]
        self.app.push_screen(form(self.chartkeep.today(), staff, staff_compliance_forms.saver(
            which, session, staff.id)), self._saved_as(done))

    @work(thread=True, exclusive=True, group="compliance-item", exit_on_error=False)
    def _find_assessment(self, session: Session, item: DueItem) -> None:
        found = next((a for a in session.assessments.of_resident(item.subject)
                      if a["id"] == item.ref), None)
        self.post_message(self.AssessmentFound(item, found))

    def on_compliance_screen_assessment_found(self, message: AssessmentFound) -> None:
        self._open_assessment(message.item, message.assessment)

    def _open_assessment(self, item: DueItem, assessment: dict[str, Any] | None) -> None:
        session, today = self.session, self.chartkeep.today()
        name = self.names.get(item.subject, "a resident")
        if assessment is not None:
            self.app.push_screen(assessment_forms.edit_assessment(
                today, name, assessment,
                lambda changes: session.assessments.update(assessment["id"], changes)),
                self._saved_as("Assessment saved"))
            return
        resident = item.subject
        self.app.push_screen(assessment_forms.add_assessment(
            today, name, lambda values: session.assessments.add(resident, values),
            prefill=record_asked_for(item), intro=f"Due: {item.what}. {item.why}."),
            self._saved_as("Assessment saved"))

    def _saved_as(self, done: str) -> Callable[[object], None]:
        def saved(result: object) -> None:
            if result == 0:
                self.app.notify("Nothing changed, so nothing was saved.")
            elif result is not None:
                self.app.notify(f"{done}; it will be sent at the next sync.", title="Saved")
                self.app.post_message(DataChanged())

        return saved

    # --- exports -----------------------------------------------------------------------

    def action_export(self) -> None:
        today = self.chartkeep.today()
        session = self.session
        self.app.push_screen(compliance_forms.export_report(
            today - timedelta(days=30), today - timedelta(days=1), session.home,
            session.compliance.export_report), self._exported)

    def action_pbj(self) -> None:
        session = self.session
        self.app.push_screen(compliance_forms.export_pbj(
            self.chartkeep.today(), session.home, session.compliance.export_pbj),
            self._exported)

    def _exported(self, result: object) -> None:
        if result is not None:
            self.app.notify(f"Written to {result}. It is plaintext: keep it safe and delete "
                            "it when done.", title="Exported", markup=False)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Export a compliance report", "PDF, CSV or JSON (plaintext, audited)",
             self.action_export),
            ("Write the PBJ file", "Checked against CMS's edits first", self.action_pbj),
        ]
