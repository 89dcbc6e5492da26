"""The resident screen's stay commands: admit, assign a bed, discharge, leave,
return, transfer.

:class:`StayActions` is the base of :class:`~.resident.ResidentScreen`, kept in
its own module because the stay commands are a topic of their own (the active
stay, the free beds, the server's stay rules); it is never shown alone. It also
holds how the resident screen opens a form and reports the save, which every
change on that screen shares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.widgets import TabbedContent

from protocol.rules.residents.census import is_current

from ..dialogs import resident_forms, stay_forms
from ..engine import BedRow, ResidentView, StayView
from ..messages import DataChanged
from .base import WorkScreen


def active_stay(view: ResidentView) -> StayView | None:
    """The resident's current stay, if any (:func:`protocol.rules.residents.census.is_current`)."""
    return next((stay for stay in view.stays if is_current(stay.fields)), None)


class StayActions(WorkScreen):
    """Stay commands on one resident's record (see the module docstring)."""

    resident_id: str
    view: ResidentView | None

    class BedsLoaded(Message):
        def __init__(self, purpose: str, beds: list[BedRow]) -> None:
            super().__init__()
            self.purpose = purpose
            self.beds = beds

    def action_admit(self) -> None:
        if self.view is not None and active_stay(self.view) is not None:
            self.app.notify("The resident already has an active stay.", severity="warning")
            return
        self._load_beds("admit")

    def action_assign_bed(self) -> None:
        if self._stay_or_warn() is not None:
            self._load_beds("assign")

    @work(thread=True, exclusive=True, group="beds", exit_on_error=False)
    def _load_beds(self, purpose: str) -> None:
        beds = [bed for bed in self.session.beds.board() if bed.state == "free"]
        self.post_message(self.BedsLoaded(purpose, beds))

    def on_stay_actions_beds_loaded(self, message: BedsLoaded) -> None:
        choices = [(Text(f"{bed.label} — {bed.unit_name}"), bed.bed_id) for bed in message.beds]
        session, resident_id = self.session, self.resident_id
        if message.purpose == "admit":

            def admit(values: dict[str, Any]) -> str:
                return session.stays.admit(resident_id, **resident_forms.drop_empty(values))

            self._open_form(resident_forms.admit(self.chartkeep.today(), choices, admit),
                            "Admission saved", tab="stays")
            return
        stay = self._stay_or_warn()
        if stay is None:
            return
        if not choices:
            self.app.notify("There is no free bed right now.", severity="warning")
            return
        self._open_form(resident_forms.assign_bed(
            choices, lambda values: session.stays.assign_bed(stay.id, values["bed_id"])),
            "Bed assignment saved", tab="stays")

    def action_discharge(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(resident_forms.discharge(
                self.chartkeep.today(),
                lambda values: session.stays.discharge(stay.id,
                                                       **resident_forms.drop_empty(values))),
                "Discharge saved", tab="stays")

    def action_leave(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(resident_forms.leave(
                self._now(), lambda values: session.stays.leave(stay.id, **values)),
                "Leave saved", tab="stays")

    def action_return_from_leave(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(resident_forms.return_from_leave(
                self._now(), lambda values: session.stays.return_from_leave(stay.id, **values)),
                "Return saved", tab="stays")

    def action_change_payer(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(stay_forms.change_payer(
                self.chartkeep.today(), stay,
                lambda values: session.stays.change_payer(stay.id, **values)),
                "Payer change saved", tab="stays")

    def action_transfer(self) -> None:
        stay = self._stay_or_warn()
        if stay is None:
            return
        facilities = self.chartkeep.transfer_facilities
        if not facilities:
            self.app.notify("No other facility is known at this terminal yet. Sync (ctrl+s): "
                            "the server sends the facilities a resident may go to.",
                            title="Transfer", severity="warning", markup=False)
            return
        session = self.session
        self._open_form(resident_forms.transfer(
            self._now(), facilities,
            lambda values: session.stays.transfer(stay.id, **values)),
            "Transfer saved", tab="stays")

    def _stay_or_warn(self) -> StayView | None:
        stay = active_stay(self.view) if self.view is not None else None
        if stay is None:
            self.app.notify("The resident has no active stay; admit them first (a).",
                            severity="warning")
        return stay

    # --- how every change on the resident screen is opened and reported ------------------

    def _now(self) -> str:
        return self.chartkeep.now().strftime("%Y-%m-%dT%H:%M")

    def _open_form(self, dialog: Screen[Any], done: str, *, tab: str | None = None) -> None:
        if tab:
            self.query_one("#resident-tabs", TabbedContent).active = f"tab-{tab}"
        self.app.push_screen(dialog, self._after_change(done))

    def _after_change(self, done: str) -> Callable[[Any], None]:
        def after(result: Any) -> None:
            if result is None:
                return
            if result == 0 and not isinstance(result, bool):  # a form that changed nothing
                self.app.notify("Nothing changed, so nothing was saved.")
                return
            self.app.notify(f"{done}; it will be sent at the next sync.", title="Saved")
            self.app.post_message(DataChanged())

        return after
