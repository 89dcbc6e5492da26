"""Forms for clinical notes: add, amend, mark entered in error (never edit in place)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from protocol.records import RecordKind

from ..engine import NoteView
from .form import FormDialog
from .form_fields import FormField

CATEGORIES = ("progress", "nursing", "social", "dietary", "therapy", "physician", "admission",
              "other")


def add_note(now: str, submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    fields = [
        FormField("category", "Category", "progress", kind=RecordKind.NOTE,
                  choices=tuple((c.capitalize(), c) for c in CATEGORIES)),
        FormField("clinical_time", "Clinical time", now, kind=RecordKind.NOTE,
                  hint="when it happened, YYYY-MM-DDTHH:MM"),
        FormField("body", "Note", kind=RecordKind.NOTE, multiline=True),
    ]
    return FormDialog("Add a note", fields, submit,
                      intro="A saved note cannot be changed: corrections are amendments.")


def amend_note(original: NoteView, submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    intro = Text("Amending the note of ")
    intro.append(str(original.clinical_time or ""), style="bold")
    intro.append(". The original stays in the record, marked as amended.\n\n")
    intro.append(str(original.body or ""), style="dim")
    fields = [FormField("body", "Amended text", str(original.body or ""), kind=RecordKind.NOTE,
                        multiline=True)]
    return FormDialog("Amend note", fields, submit, intro=intro, submit_label="Save amendment")


def note_entered_in_error(original: NoteView,
                          submit: Callable[[dict[str, Any]], str]) -> FormDialog[str]:
    intro = Text("The note stays in the record, struck through, with your reason.\n\n")
    intro.append(str(original.body or ""), style="dim")
    fields = [FormField("reason", "Why was it entered in error?",
                        placeholder="e.g. written in the wrong resident's record")]
    return FormDialog("Mark note entered in error", fields, submit, intro=intro,
                      submit_label="Mark entered in error")
