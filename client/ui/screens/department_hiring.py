"""Hiring at the department screen (F10): the keys that post a job (j), record
an applicant (p), their stage (g), the hire (H), an onboarding item (o), close
the highlighted posting (c, after a form that is the confirmation: outcome and
why), and search the postings and applicants (/). Records managers only; each
form saves through ``session.hiring`` by the server's own rule."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work

from protocol.ops import OpType

from ..dialogs import department_forms, hiring_forms
from ..dialogs.choice import ChoiceDialog
from ..engine import Session
from ..messages import DataChanged
from ..widgets.hiring_board import HiringBoard
from .base import WorkScreen


class HiringKeys(WorkScreen):
    """The hiring keys of :class:`~.department.DepartmentScreen`."""

    def form_saved(self, result: object) -> None:
        """A form of the screen saved: say so and read the screen again."""
        if result is not None:
            self.app.notify("Saved; it will be sent at the next sync.", title="Saved")
            self.app.post_message(DataChanged())
            self.reload()

    def _may_hire(self) -> bool:
        if self.session.permits(OpType.COMMAND, command="add_applicant"):
            return True
        self.app.notify("Only a records manager records applicants and hires.",
                        title="Records managers only", severity="warning")
        return False

    def action_post_job(self) -> None:
        if self._may_hire():
            self.app.push_screen(department_forms.post_job(
                self.session, self.session.clock.today()), self.form_saved)

    def action_new_applicant(self) -> None:
        if self._may_hire():
            self._new_applicant(self.session)

    @work(thread=True, group="department-write", exit_on_error=False)
    def _new_applicant(self, session: Session) -> None:
        postings = session.hiring.postings()  # read off the UI thread
        today = session.clock.today()

        def show() -> None:
            self.app.push_screen(hiring_forms.new_applicant(session, today, postings),
                                 self.form_saved)

        self.app.call_from_thread(show)

    def action_stage(self) -> None:
        self._pick_applicant(("applied", "screened", "interviewed"), "Which applicant?",
                             department_forms.stage)

    def action_hire(self) -> None:
        self._pick_applicant(("offered",), "Hire whom? (applicants offered the position)",
                             department_forms.hire)

    def action_onboarding(self) -> None:
        self._pick_applicant(("hired",), "Whose onboarding item? (hires with items open)",
                             department_forms.onboarding_item, open_items=True)

    def _pick_applicant(self, stages: tuple[str, ...], title: str, form: Any, *,
                        open_items: bool = False) -> None:
        if self._may_hire():
            self._read_applicants(self.session, stages, title, form, open_items=open_items)

    @work(thread=True, group="department-write", exit_on_error=False)
    def _read_applicants(self, session: Session, stages: tuple[str, ...], title: str,
                         form: Any, *, open_items: bool) -> None:
        found = [a for a in session.hiring.applicants() if a.get("stage") in stages
                 and (a.get("open_items") or not open_items)]
        today = session.clock.today()
        by_id = {str(a["id"]): a for a in found}

        def chosen(applicant_id: str | None) -> None:
            if applicant_id is not None:
                self.app.push_screen(form(session, by_id[applicant_id], today),
                                     self.form_saved)

        def show() -> None:
            if not found:
                self.app.notify("No applicant is at that step.", severity="warning")
                return
            self.app.push_screen(ChoiceDialog(title, "", [
                (Text(department_forms.applicant_label(a)), str(a["id"])) for a in found]),
                chosen)

        self.app.call_from_thread(show)

    def action_search_hiring(self) -> None:
        self.query_one(HiringBoard).focus_search()

    def action_close_posting(self) -> None:
        if not self._may_hire():
            return
        posting = self.query_one(HiringBoard).highlighted_posting()
        if posting is None:
            self.app.notify("Highlight a job posting (or one of its applicants) in the "
                            "hiring list first.", severity="warning")
            return
        if posting.get("status") != "open":
            self.app.notify(f"This posting was closed on {posting.get('closed_on', '')}.",
                            severity="warning")
            return
        self.app.push_screen(hiring_forms.close_posting(
            self.session, posting, self.session.clock.today(),
            len(posting.get("applicants") or ())), self.form_saved)
