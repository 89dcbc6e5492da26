"""Forms of the department screen (F10): an expenditure request against a budget
line, a records manager's decision on one, and an applicant for a position.
Each saves through ``session.spending`` or ``session.hiring``, which check it by
the server's own rule: a request above the facility's limit is refused to the
records manager here, with the reason, and left to the region's portal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rich.text import Text

from ..engine import Session
from .form import FormDialog, FormField
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
