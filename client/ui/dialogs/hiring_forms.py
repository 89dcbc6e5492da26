"""Hiring forms of the department screen (F10): an applicant, who answers one
of the open job postings (picked from a list: the position and department are
the posting's, shown and never typed) or a position with no posting; and the
close of a posting, with its outcome and why — the form is the confirmation.

Both save through ``session.hiring``, which checks them by the server's rule
(:mod:`protocol.rules.records.commands.hiring`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Input, Select

from protocol.pbj import PAY_TYPES
from protocol.rules.department.onboarding import ITEMS as ONBOARDING_ITEMS
from protocol.rules.department.onboarding import POSTING_OUTCOMES

from ..engine import InputError, Session
from .form import FormDialog
from .form_fields import FormField, whole_number
from .records_forms import iso_date
from .staff_forms import JOB_TITLE_CHOICES

PAY_TYPE_CHOICES = tuple((title, str(code)) for code, title in PAY_TYPES.items())
YES_NO = (("yes", "yes"), ("no", "no"))
ON_BY_DEFAULT = frozenset({"background_check", "orientation"})
NO_POSTING = "none"
"""The posting choice for an applicant who answers no posting (a position typed in)."""
FROM_POSTING = ("position", "department")


def posting_label(posting: dict[str, Any]) -> str:
    return (f"{posting.get('position', '')} — {posting.get('department', '')}, "
            f"{posting.get('hours_per_week', '')} h/week")


class ApplicantForm(FormDialog[str]):
    """The applicant form: choosing a posting fills the position and department
    from it and locks them; choosing "no posting" frees them to be typed."""

    def __init__(self, title: str, fields: list[FormField],
                 submit: Callable[[dict[str, Any]], str], postings: dict[str, dict[str, Any]],
                 **kwargs: Any) -> None:
        super().__init__(title, fields, submit, **kwargs)
        self.postings = postings

    def on_mount(self) -> None:
        super().on_mount()
        self._follow_posting()

    @on(Select.Changed, "#field-posting_id")
    def _posting_chosen(self, _event: Message) -> None:
        self._follow_posting()

    def _follow_posting(self) -> None:
        chosen = self.postings.get(self.raw_value(self.fields[0]))
        for name in FROM_POSTING:
            editor = self.query_one(f"#field-{name}", Input)
            if chosen is not None:
                editor.value = str(chosen.get(name) or "")
            elif editor.disabled:
                editor.value = ""
            editor.disabled = chosen is not None


def new_applicant(session: Session, today: date, postings: list[dict[str, Any]] | None = None
                  ) -> ApplicantForm:
    open_postings = {str(p["id"]): p for p in postings or () if p.get("status") == "open"}
    choices: list[tuple[str | Text, str]] = [
        (Text(posting_label(p)), pid) for pid, p in open_postings.items()]
    choices.append(("No posting (type the position)", NO_POSTING))
    fields = [
        FormField("posting_id", "Answers the posting", "" if open_postings else NO_POSTING,
                  choices=choices, no_default=True,
                  hint="The position and department come from the posting."),
        FormField("position", "Position", required=False,
                  placeholder="e.g. Health information technician"),
        FormField("department", "Department", placeholder="e.g. Nursing",
                  hint="Where they would work: the staff member the hire makes is "
                       "placed in it."),
        FormField("job_title_code", "PBJ job title", choices=JOB_TITLE_CHOICES,
                  parse=whole_number),
        FormField("pay_type_code", "Pay type", "2", choices=PAY_TYPE_CHOICES,
                  parse=whole_number),
        FormField("family_name", "Family name"),
        FormField("given_name", "Given name"),
        FormField("contact", "Phone or e-mail", required=False),
        FormField("applied_on", "Applied on", today.isoformat(), check=iso_date),
        *(FormField(f"needs_{item}", f"Before the first shift: {words}",
                    "yes" if item in ON_BY_DEFAULT else "no", choices=YES_NO)
          for item, words in ONBOARDING_ITEMS.items()),
    ]

    def submit(values: dict[str, Any]) -> str:
        checklist = [item for item in ONBOARDING_ITEMS if values.get(f"needs_{item}") == "yes"]
        args = {k: v for k, v in values.items()
                if not k.startswith("needs_") and v not in (None, "")}
        if args.get("posting_id") == NO_POSTING:
            del args["posting_id"]
            if not args.get("position"):
                raise InputError("position", "Type the position, or choose the posting the "
                                 "applicant answers.")
        else:
            for name in FROM_POSTING:  # the posting's, as the rule requires
                args.pop(name, None)
        return session.hiring.add_applicant(**args, checklist=checklist)

    return ApplicantForm("New applicant", fields, submit, open_postings,
                         intro="Hiring makes the staff member from these details; the "
                               "onboarding items chosen here must be done before a first "
                               "shift.")


OUTCOME_CHOICES = tuple((outcome.capitalize(), outcome) for outcome in POSTING_OUTCOMES)


def close_posting(session: Session, posting: dict[str, Any], today: date,
                  applicants: int) -> FormDialog[str]:
    fields = [
        FormField("outcome", "Outcome", choices=OUTCOME_CHOICES, no_default=True),
        FormField("reason", "Why, in a few words", placeholder="e.g. Ola Berg hired"),
        FormField("closed_on", "Closed on", today.isoformat(), check=iso_date),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.hiring.close_posting(str(posting["id"]), **values)

    kept = (f"its {applicants} applicant(s) keep their stages" if applicants
            else "it has no applicants")
    return FormDialog(f"Close the posting {posting_label(posting)}?", fields, submit,
                      submit_label="Close posting",
                      intro=f"No applicant can answer it once closed; {kept}. Closing "
                            "cannot be undone.")
