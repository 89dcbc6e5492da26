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


class StaffDetail(Vertical):
    """The highlighted staff member's licenses and hours (or why there are none)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="staff-title", classes="record-title")
        yield Static("", id="staff-role-note", classes="role-note")
        yield Label("Licenses and credentials", classes="section-label")
        yield DataTable(id="licenses", cursor_type="row")
        yield Label("Hours worked", classes="section-label")
        yield DataTable(id="hours", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#licenses", DataTable).add_columns(
            "Type", "Number", "State", "Expires", "Status", "")
        # The corrected / correction marker comes right after the hours it qualifies,
        # so it shows in a narrow window too.
        self.query_one("#hours", DataTable).add_columns(
            "Date", "Hours", "", "Shift", "Job title", "Pay type")

    def show_nobody(self) -> None:
        """Nobody highlighted: say so rather than show another person's licenses."""
        self.query_one("#staff-title", Static).update(Text(
            "Nobody highlighted: licenses and hours show for the staff member "
            "highlighted in the roster.", style="dim italic"))
        self.query_one("#licenses", DataTable).clear()
        self.query_one("#hours", DataTable).clear()

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
        if not view.licenses:
            licenses.add_row(Text("No licenses on file", style="dim"), "", "", "", "", "")

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
        if not view.hours:
            hours.add_row(Text("No hours entered", style="dim"), "", "", "", "", "")
