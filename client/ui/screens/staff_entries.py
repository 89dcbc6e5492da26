"""The staff screen's entries: hours, licenses, staff members, the compliance
forms, and edits and corrections of what is highlighted.

:class:`StaffEntries` is the base of :class:`~.staff.StaffScreen`, kept in its
own module because entering and correcting records is a topic of its own (who
may, which form, what a correction links to); the roster and the detail pane
stay in ``staff.py``. It is never shown alone: the screen says which staff
member a key acts on (:meth:`StaffEntries._for_highlighted`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable

from protocol.ops import OpType
from protocol.records import RecordKind

from ..dialogs import staff_compliance_forms, staff_forms
from ..dialogs.attendee_picker import Attendee, AttendeePicker
from ..dialogs.staff_status import StaffCompliance
from ..engine import Action, StaffView
from ..messages import DataChanged
from ..permissions import permitted_or_told
from .base import WorkScreen

VOIDED = "entered_in_error"
"""A license's state once marked entered in error (or the entry that marks one)."""


def highlighted_key(table: DataTable[Any]) -> str | None:
    """The key of the table's highlighted row (None for an empty table)."""
    if table.row_count == 0:
        return None
    row = min(max(table.cursor_row, 0), table.row_count - 1)
    return table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value


class StaffEntries(WorkScreen):
    """Entering and correcting staff records (see the module docstring)."""

    def _for_highlighted(self, act: Callable[[StaffView], object]) -> None:
        raise NotImplementedError

    def action_add_hours(self) -> None:
        if permitted_or_told(self.app, self.session, "enter hours worked", OpType.CREATE,
                             RecordKind.HOURS):
            self._for_highlighted(self._add_hours)

    def _add_hours(self, staff: StaffView) -> None:
        session = self.session
        self.app.push_screen(staff_forms.add_hours(
            self.chartkeep.today(), staff,
            lambda values: session.staff.add_hours(staff.id, values)),
            self._after("Hours saved"))

    def action_add_license(self) -> None:
        if self._permitted("add licenses", OpType.CREATE, RecordKind.LICENSE):
            self._for_highlighted(self._add_license)

    def _add_license(self, staff: StaffView) -> None:
        session = self.session
        facility = self.chartkeep.facility
        self.app.push_screen(staff_forms.add_license(
            staff, lambda values: session.staff.add_license(staff.id, values),
            facility_state=facility.state_code if facility is not None else None),
            self._after("License saved"))

    def action_add_staff(self) -> None:
        if not self._permitted("add staff members", OpType.CREATE, RecordKind.STAFF):
            return
        self.app.push_screen(staff_forms.add_staff(self.session.staff.add),
                             self._after("Staff member added"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The compliance forms' keys show only to the roles that may use them."""
        if action == "compliance_form" and parameters:
            kind = staff_compliance_forms.FORMS[str(parameters[0])][0]
            return (self.chartkeep.signed_in_user is not None
                    and self.session.permits(OpType.CREATE, kind))
        return super().check_action(action, parameters)

    def action_compliance_status(self) -> None:
        self._for_highlighted(lambda staff: self.app.push_screen(
            StaffCompliance(self.session, staff.id, staff.display_name)))

    def action_compliance_form(self, which: str) -> None:
        kind, _form, _done = staff_compliance_forms.FORMS[which]
        if self._permitted(f"add {kind} records", OpType.CREATE, kind):
            self._for_highlighted(lambda staff: self._compliance_form(which, staff))

    def _compliance_form(self, which: str, staff: StaffView) -> None:
        _kind, form, done = staff_compliance_forms.FORMS[which]
        today, save = self.chartkeep.today(), staff_compliance_forms.saver(
            which, self.session, staff.id)
        if which != "training":
            self.app.push_screen(form(today, staff, save), self._after(done))
            return

        def attended(who: list[Attendee] | None) -> None:  # an in-service: who came, first
            if who:
                self.app.push_screen(staff_compliance_forms.add_training(
                    today, staff, save, attendees=who), self._after(done))

        self.app.push_screen(AttendeePicker(self.session, (staff.id, staff.display_name)),
                             attended)

    # --- edits and corrections -----------------------------------------------------------

    def action_edit(self) -> None:
        """Edit what the focused table highlights: staff member, license or hours."""
        self._for_highlighted(self._edit)

    def _edit(self, staff: StaffView) -> None:
        focused = self.focused.id if self.focused is not None else None
        if focused == "licenses":
            self._edit_license(staff)
        elif focused == "hours":
            self._correct_hours(staff)
        elif self._permitted("change staff records", OpType.UPDATE, RecordKind.STAFF):
            session = self.session
            self.app.push_screen(staff_forms.edit_staff(
                staff, lambda changes: session.staff.update(staff.id, changes)),
                self._after("Staff member saved"))

    def _edit_license(self, staff: StaffView) -> None:
        license_id = highlighted_key(self.query_one("#licenses", DataTable))
        lic = next((lic for lic in staff.licenses if lic.id == license_id), None)
        if lic is None:
            self.app.notify("No license on file to edit; press c to add one.",
                            severity="warning")
            return
        if lic.state == VOIDED:
            why = f" ({lic.error_reason})" if lic.error_reason else ""
            self.app.notify(f"That license was marked entered in error{why}, so it cannot "
                            "be changed: press c to add the right license.",
                            title="Not changed", severity="warning", markup=False)
            return
        if not self._permitted("change licenses", OpType.UPDATE, RecordKind.LICENSE):
            return
        session = self.session
        self.app.push_screen(staff_forms.edit_license(
            staff, lic, lambda changes: session.staff.update_license(lic.id, changes)),
            self._after("License saved"))

    def action_void_license(self) -> None:
        """Mark the license highlighted in the licenses table entered in error."""
        if self._permitted("mark licenses entered in error", OpType.CREATE,
                           RecordKind.LICENSE):
            self._for_highlighted(self._void_license)

    def _void_license(self, staff: StaffView) -> None:
        license_id = highlighted_key(self.query_one("#licenses", DataTable))
        lic = next((lic for lic in staff.licenses if lic.id == license_id), None)
        if lic is None:
            self.app.notify("No license on file to mark entered in error.", severity="warning")
            return
        if lic.state == VOIDED:
            self.app.notify("That license is already marked entered in error (or is the "
                            "entry that marks one): it counts nowhere.", severity="warning")
            return
        session = self.session
        self.app.push_screen(staff_forms.void_license(
            staff, lic, lambda reason: session.staff.void_license(lic.id, reason)),
            self._after("License marked entered in error"))

    def _correct_hours(self, staff: StaffView) -> None:
        if not permitted_or_told(self.app, self.session, "correct hours worked",
                                 OpType.CREATE, RecordKind.HOURS):
            return
        hours_id = highlighted_key(self.query_one("#hours", DataTable))
        entry = next((h for h in staff.hours if h.id == hours_id), None)
        if entry is None:
            self.app.notify("No hours entry to correct; press h to enter hours.",
                            severity="warning")
            return
        if any(h.corrects == entry.id for h in staff.hours):
            self.app.notify("That entry was already corrected; correct the correction "
                            "instead.", severity="warning")
            return
        session = self.session
        form = (partial(staff_compliance_forms.correct_clocked_hours, self.chartkeep.today())
                if entry.fields.get("clock_in") else staff_forms.correct_hours)
        self.app.push_screen(form(
            staff, entry, lambda values: session.staff.correct_hours(entry.id, values)),
            self._after("Correction saved"))

    def _permitted(self, what: str, action: Action, kind: RecordKind) -> bool:
        return permitted_or_told(self.app, self.session, what, action, kind)

    def _after(self, done: str) -> Callable[[object], None]:
        def after(result: object) -> None:
            if result == 0:
                self.app.notify("Nothing changed, so nothing was saved.")
            elif result is not None:
                self.app.notify(f"{done}; it will be sent at the next sync.", title="Saved")
                self.app.post_message(DataChanged())

        return after

    def _edit_license_command(self) -> None:
        self.query_one("#licenses", DataTable).focus()
        self._for_highlighted(self._edit_license)

    def _correct_hours_command(self) -> None:
        self.query_one("#hours", DataTable).focus()
        self._for_highlighted(self._correct_hours)

    def _void_license_command(self) -> None:
        self.query_one("#licenses", DataTable).focus()
        self._for_highlighted(self._void_license)
