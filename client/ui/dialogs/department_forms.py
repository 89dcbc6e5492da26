"""Forms of the department screen (F10): an expenditure request against a budget
line, a records manager's decision on one, a job posting, an applicant's stage,
the hire and an onboarding item (the applicant and the close of a posting are in
:mod:`.hiring_forms`).
Each saves through ``session.spending`` or ``session.hiring``, which check it by
the server's own rule: a request above the facility's limit is refused to the
records manager here, with the reason, and left to the region's portal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rich.text import Text

from protocol.records import RecordKind
from protocol.rules.department.onboarding import CREDENTIALS
from protocol.rules.department.onboarding import ITEMS as ONBOARDING_ITEMS

from ..engine import Session
from .form import FormDialog
from .form_fields import FormField, whole_number
from .records_forms import iso_date

DECISIONS = (("approve", "approved"), ("refuse", "refused"))


def _money_text(value: Any) -> str:
    return f"${Decimal(str(value)):,.2f}"


def new_request(session: Session, lines: list[dict[str, Any]], today: date
                ) -> FormDialog[str]:
    choices = [(Text(f"{ln['department']} — {ln['account']} FY{ln['fiscal_year']} "
                     f"({_money_text(ln['remaining'])} left)"), str(ln["id"])) for ln in lines]
    fields = [
        FormField("line_id", "Budget line", choices[0][1] if choices else "", choices=choices),
        FormField("amount", "Amount (dollars and cents)", placeholder="e.g. 186.40"),
        FormField("vendor", "Vendor"),
        FormField("justification", "Why it is needed", multiline=True),
        FormField("requested_on", "Requested on", today.isoformat(), check=iso_date),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.spending.request(
            values["line_id"], amount=values["amount"], vendor=values["vendor"],
            justification=values["justification"], requested_on=values["requested_on"])

    return FormDialog("Expenditure request", fields, submit,
                      intro="The records manager decides up to the facility's limit; the "
                            "regional manager decides above it, in the portal.")


def decide(session: Session, request: dict[str, Any], today: date) -> FormDialog[str]:
    fields = [
        FormField("decision", "Decision", "approved", choices=DECISIONS),
        FormField("decided_on", "Decided on", today.isoformat(), check=iso_date),
        FormField("reason", "Why (required to refuse)", required=False),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.spending.decide(str(request["id"]), decision=values["decision"],
                                       decided_on=values["decided_on"],
                                       reason=values.get("reason"))

    return FormDialog(f"Decide: {request.get('vendor', '')} "
                      f"{_money_text(request.get('amount', '0'))}", fields, submit,
                      intro=str(request.get("justification", "")))


STAGE_CHOICES = (("screened", "screened"), ("interviewed", "interviewed"),
                 ("offered", "offered"), ("declined", "declined"))


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", "\n").splitlines() if part.strip()]


def post_job(session: Session, today: date) -> FormDialog[str]:
    fields = [
        FormField("position", "Position", placeholder="e.g. Cancer registrar"),
        FormField("department", "Department", "Health information"),
        FormField("hours_per_week", "Hours a week", "40", parse=whole_number),
        FormField("requirements", "Requirements (one a line)", required=False,
                  multiline=True, parse=_lines),
        FormField("posted_on", "Posted on", today.isoformat(), check=iso_date),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.hiring.post_job(**{k: v for k, v in values.items() if v is not None})

    return FormDialog("Job posting", fields, submit,
                      intro="Open until you close it; applicants can answer it.")


def stage(session: Session, applicant: dict[str, Any], today: date) -> FormDialog[str]:
    fields = [
        FormField("stage", "Stage reached", "screened", choices=STAGE_CHOICES),
        FormField("on", "On", today.isoformat(), check=iso_date),
        FormField("interviewers", "Interviewers (comma-separated)", required=False,
                  parse=_names),
        FormField("notes", "Notes", required=False, multiline=True),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.hiring.record_stage(str(applicant["id"]), **{
            k: v for k, v in values.items() if v is not None})

    return FormDialog(f"{applicant_label(applicant)}: next stage", fields, submit)


def hire(session: Session, applicant: dict[str, Any], today: date) -> FormDialog[str]:
    fields = [
        FormField("employee_id", "Employee id (PBJ)", kind=RecordKind.STAFF),
        FormField("hire_date", "Hired on", today.isoformat(), check=iso_date),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.hiring.hire(str(applicant["id"]), **values)

    return FormDialog(f"Hire {applicant_label(applicant)}", fields, submit,
                      intro="The staff member is made from the applicant's details; the "
                            "first shift waits for the onboarding checklist.")


def onboarding_item(session: Session, applicant: dict[str, Any], today: date
                    ) -> FormDialog[str]:
    open_items = [str(i) for i in applicant.get("open_items") or ()]
    fields = [
        FormField("item", "Item done", open_items[0] if open_items else "",
                  choices=[(ONBOARDING_ITEMS[i], i) for i in open_items]),
        FormField("done_on", "Done on", today.isoformat(), check=iso_date),
        FormField("detail", "Detail (who checked, reference)", required=False),
        FormField("credential", "Credential (for the credential item)", "",
                  choices=[("none", ""), *((c, c) for c in CREDENTIALS)], required=False),
        FormField("expires_on", "Credential expires on", check=iso_date, required=False),
        # Registry and license items are shown by a record, not ticked: the hire's
        # registry checks and licenses (entered at the staff screen, F4).
        FormField("evidence_id", "Record that shows it (registry or license item)", "",
                  choices=[("none", ""), *session.hiring.evidence(applicant)], required=False),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.hiring.complete(str(applicant["id"]), **{
            k: v for k, v in values.items() if v not in (None, "")})

    reopened = [ONBOARDING_ITEMS.get(str(i), str(i)) for i in applicant.get("reopened") or ()]
    intro = ("Open again: " + ", ".join(reopened) + " — the record that showed it was "
             "marked entered in error; name another record." if reopened else "")
    return FormDialog(f"Onboarding of {applicant_label(applicant)}", fields, submit,
                      intro=intro)


def applicant_label(applicant: dict[str, Any]) -> str:
    return (f"{applicant.get('family_name', '')}, {applicant.get('given_name', '')} "
            f"({applicant.get('position', '')}, {applicant.get('stage', '')})")
