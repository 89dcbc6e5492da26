"""Records-manager forms for a whole resident record: entered in error, merge.

Both act on the record as a whole and cannot be taken back at this terminal, so
each says what will happen before the records manager confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from .form import FormDialog
from .form_fields import FormField


def _who(name: str, mrn: str) -> Text:
    text = Text(name, style="bold")
    if mrn:
        text.append(f" (MRN {mrn})", style="dim")
    return text


def void_resident(name: str, mrn: str,
                  submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    """Mark a whole resident record entered in error, with the reason."""
    intro = Text("Mark the record of ")
    intro.append_text(_who(name, mrn))
    intro.append(" entered in error. It leaves the census and can no longer be changed; "
                 "it stays readable, marked, with your reason. Use this for a record "
                 "created by mistake. For a second record of the same person, merge "
                 "it instead (M).")
    fields = [FormField("reason", "Why was this record entered in error?",
                        placeholder="e.g. registered for a visitor by mistake")]
    return FormDialog("Mark record entered in error", fields,
                      lambda values: submit({"reason": values["reason"].strip()}),
                      intro=intro, submit_label="Mark entered in error")


def merge_residents(duplicate: tuple[str, str], survivor: tuple[str, str],
                    submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    """Confirm merging ``duplicate`` (name, MRN) into ``survivor`` (name, MRN)."""
    intro = Text("Merge the duplicate record ")
    intro.append_text(_who(*duplicate))
    intro.append("\ninto the record that stays ")
    intro.append_text(_who(*survivor))
    intro.append(".\n\nThe duplicate's stays, diagnoses and notes are reached from the "
                 "record that stays; the duplicate is marked merged and leaves the census. "
                 "This cannot be undone at this terminal.")
    return FormDialog("Merge duplicate record", [], submit, intro=intro,
                      submit_label="Merge")
