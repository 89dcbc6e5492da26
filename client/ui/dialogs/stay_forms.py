"""The stay's payer: a dated change (census days count to the new payer from then).

The payer at admission is chosen in the admission form; a later change is the
``change_payer`` command, checked by the shared stay rules before it is saved
(a current stay; not before the admission or the last change; not in the future)
and again by the server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from protocol.rules.residents.census_stats import current_payer

from ..engine import StayView
from .form import FormDialog
from .form_fields import FormField
from .resident_forms import PAYER_CHOICES, check_date


def change_payer(today: date, stay: StayView,
                 submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    now = current_payer(stay.fields)
    fields = [
        FormField("payer", "New payer", choices=PAYER_CHOICES),
        FormField("on", "In force from", today.isoformat(), check=check_date,
                  hint="YYYY-MM-DD; not before the admission or the last change"),
    ]
    intro = (f"Payer now: {now.capitalize()}." if now else "No payer recorded yet.") + \
        " Census days count to the new payer from the date given."
    return FormDialog("Change the payer", fields, submit, intro=intro,
                      submit_label="Change payer")
