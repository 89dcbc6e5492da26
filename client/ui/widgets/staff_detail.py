"""One staff member as the staff screen shows them beside the roster: name, job
title and pay type, licenses with their state in words and colour, and the
hours worked (a corrected entry struck through beside its correction)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from protocol.pbj import PAY_TYPES, job_title

from ..display import license_state, plain, when
from ..engine import LicenseView, StaffView

LICENSE_COLUMNS = (("Type", 5), ("Number", 12), ("State", 5), ("Expires", 10),
                   ("Status", 18), ("", 9))
HOURS_COLUMNS = (("Date", 10), ("Hours", 5), ("", 10), ("Shift", 7), ("Job title", 20),
                 ("Pay type", 10))
"""The corrected / correction marker comes right after the hours it qualifies, so
it shows in a narrow window too. Both tables fit 76 cells (an 80-column window
less the pane's scrollbar and padding): they never scroll sideways."""
NO_LICENSES = "No licenses on file"
ENTERED_IN_ERROR = "entered_in_error"
NO_HOURS = "No hours entered"


class StaffDetail(VerticalScroll, can_focus=False):
    """The highlighted staff member's licenses and hours (or why there are none).

    It scrolls: under the roster in a small window it has half the height, and a
    table focused in it (tab) is scrolled into view. The tables take the focus,
    not the pane."""

    def compose(self) -> ComposeResult:
        yield Static("", id="staff-title", classes="record-title")
        yield Static("", id="staff-role-note", classes="role-note")
        yield Label("Licenses and credentials", classes="section-label")
        yield DataTable(id="licenses", cursor_type="row")
        yield Static(Text(NO_LICENSES, style="dim"), id="licenses-empty")
        yield Static("", id="licenses-voided", classes="voided-note")
        yield Label("Hours worked", classes="section-label")
        yield DataTable(id="hours", cursor_type="row")
        yield Static(Text(NO_HOURS, style="dim"), id="hours-empty")

    def on_mount(self) -> None:
        # Widths given, not measured: a DataTable measures its cells only when idle,
        # and rows drawn before that kept the header's widths on screen ("2026" for a
        # date, no marker) until something else redrew them.
        for table_id, columns in (("#licenses", LICENSE_COLUMNS), ("#hours", HOURS_COLUMNS)):
            table = self.query_one(table_id, DataTable)
            for label, width in columns:
                table.add_column(label, width=width)
        self.query_one("#licenses-empty").display = False
        self.query_one("#hours-empty").display = False
        self.query_one("#licenses-voided").display = False

    def show_nobody(self) -> None:
        """Nobody highlighted: say so rather than show another person's licenses."""
        self.query_one("#staff-title", Static).update(Text(
            "Nobody highlighted: licenses and hours show for the staff member "
            "highlighted in the roster.", style="dim italic"))
        self.query_one("#licenses", DataTable).clear()
        self.query_one("#hours", DataTable).clear()
        self.query_one("#licenses-empty").display = False
        self.query_one("#hours-empty").display = False
        self.query_one("#licenses-voided").display = False

    def show(self, view: StaffView) -> None:
        title = Text(view.display_name, style="bold")
        title.append(f"   {view.fields.get('employee_id', '')}", style="dim")
        title.append(f"   {view.job_title}")
        pay = PAY_TYPES.get(view.fields.get("pay_type_code") or 0, "")
        if pay:
            title.append(f" · {pay}", style="dim")
        self.query_one("#staff-title", Static).update(title)
        self._show_licenses(view)
        self._show_hours(view)

    def _show_licenses(self, view: StaffView) -> None:
        licenses = self.query_one("#licenses", DataTable)
        licenses.clear()
        shown = listed_licenses(view.licenses)
        for lic, pending in shown:
            licenses.add_row(plain(lic.license_type), plain(lic.number),
                             plain(lic.issuing_state), plain(when(lic.expires_on)),
                             license_state(lic.state, lic.days_left),
                             Text("⟳ pending", style="yellow") if pending else Text(""),
                             key=lic.id, height=None)
        licenses.display = bool(shown)
        self.query_one("#licenses-empty").display = not shown
        note = voided_note([lic for lic, _ in shown])
        voided = self.query_one("#licenses-voided", Static)
        voided.update(note)
        voided.display = bool(note.plain)

    def _show_hours(self, view: StaffView) -> None:
        hours = self.query_one("#hours", DataTable)
        hours.clear()
        corrected = {entry.corrects for entry in view.hours if entry.corrects}
        for entry in view.hours:  # each entry followed by its corrections (the engine's order)
            style = "strike dim" if entry.id in corrected else ""
            flag = Text()
            if entry.id in corrected:
                flag.append("corrected", style="dim")
            elif entry.corrects:
                flag.append("correction", style="cyan")
            if entry.pending:
                flag.append(" ⟳ pending", style="yellow")
            hours.add_row(Text(entry.work_date or "", style=style),
                          Text(str(entry.hours or ""), style=style), flag,
                          Text(entry.shift or "", style=style),
                          plain(job_title(entry.job_title_code)),
                          plain(PAY_TYPES.get(entry.pay_type_code or 0, "")),
                          key=entry.id, height=None)  # a long job title wraps
        hours.display = bool(view.hours)
        self.query_one("#hours-empty").display = not view.hours


def listed_licenses(licenses: list[LicenseView]) -> list[tuple[LicenseView, bool]]:
    """The licenses to list, each with whether a change to it waits to be sent.

    The entry that marks a license entered in error repeats its values (its kind
    needs them): listed too, it read as a second voided license. So it is left
    out when the license it names is on file, and stands for it in the pending
    marker; its reason shows under the table (:func:`voided_note`)."""
    present = {lic.id for lic in licenses}
    marking = {str(lic.fields.get("entered_in_error_of")): lic for lic in licenses
               if lic.fields.get("entered_in_error_of")}
    return [(lic, lic.pending or (lic.id in marking and marking[lic.id].pending))
            for lic in licenses
            if str(lic.fields.get("entered_in_error_of") or "") not in present]


def voided_note(licenses: list[LicenseView]) -> Text:
    """One line per license marked entered in error, with the reason given."""
    note = Text()
    for lic in licenses:
        if lic.state != ENTERED_IN_ERROR:
            continue
        if note:
            note.append("\n")
        note.append(f"{lic.license_type or ''} {lic.number or ''}".strip(), style="bold")
        note.append(" entered in error: ")
        note.append(lic.error_reason or "no reason recorded", style="italic")
    return note
