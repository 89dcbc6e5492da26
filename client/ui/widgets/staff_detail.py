"""One staff member as the staff screen shows them beside the roster: name, job
title and pay type, licenses with their state in words and colour, and the
hours worked (a corrected entry struck through beside its correction)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from protocol.pbj import PAY_TYPES, job_title

from ..display import license_state, plain, when
from ..engine import StaffView

LICENSE_COLUMNS = (("Type", 5), ("Number", 12), ("State", 5), ("Expires", 10),
                   ("Status", 20), ("", 9))
HOURS_COLUMNS = (("Date", 10), ("Hours", 5), ("", 10), ("Shift", 7), ("Job title", 24),
                 ("Pay type", 10))
"""The corrected / correction marker comes right after the hours it qualifies, so
it shows in a narrow window too."""
NO_LICENSES = "No licenses on file"
NO_HOURS = "No hours entered"


class StaffDetail(Vertical):
    """The highlighted staff member's licenses and hours (or why there are none)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="staff-title", classes="record-title")
        yield Static("", id="staff-role-note", classes="role-note")
        yield Label("Licenses and credentials", classes="section-label")
        yield DataTable(id="licenses", cursor_type="row")
        yield Static(Text(NO_LICENSES, style="dim"), id="licenses-empty")
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

    def show_nobody(self) -> None:
        """Nobody highlighted: say so rather than show another person's licenses."""
        self.query_one("#staff-title", Static).update(Text(
            "Nobody highlighted: licenses and hours show for the staff member "
            "highlighted in the roster.", style="dim italic"))
        self.query_one("#licenses", DataTable).clear()
        self.query_one("#hours", DataTable).clear()
        self.query_one("#licenses-empty").display = False
        self.query_one("#hours-empty").display = False

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
        for lic in view.licenses:
            licenses.add_row(plain(lic.license_type), plain(lic.number),
                             plain(lic.issuing_state), plain(when(lic.expires_on)),
                             license_state(lic.state, lic.days_left),
                             Text("⟳ pending", style="yellow") if lic.pending else Text(""),
                             key=lic.id)
        licenses.display = bool(view.licenses)
        self.query_one("#licenses-empty").display = not view.licenses

    def _show_hours(self, view: StaffView) -> None:
        hours = self.query_one("#hours", DataTable)
        hours.clear()
        corrected = {entry.corrects for entry in view.hours if entry.corrects}
        for entry in sorted(view.hours, key=lambda h: h.work_date or "", reverse=True):
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
                          key=entry.id)
        hours.display = bool(view.hours)
        self.query_one("#hours-empty").display = not view.hours
