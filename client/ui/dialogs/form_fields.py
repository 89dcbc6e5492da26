"""A form's fields and how what the clerk typed in them is checked.

Each :class:`FormField` says how its text is checked (the record rules of
``protocol.records``, or a check of the form's own) and turned into the value the
engine wants; :class:`~.form.FormDialog` shows and saves them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from protocol.errors import ValidationError
from protocol.records import RecordKind, validate_field

Parse = Callable[[str], Any]


@dataclass(frozen=True)
class FormField:
    """One field of a form, and how to check what the clerk typed in it.

    ``kind`` checks the value with ``protocol.records.validate_field`` (the rule
    lives once, in the protocol); ``check`` is for values that are not record
    fields (a stay's admission date). ``parse`` turns the typed text into the
    value the engine wants (a whole number for a job title code).
    """

    name: str
    label: str
    value: str = ""
    kind: RecordKind | None = None
    check_as: str | None = None
    """The record field to check against, when it differs from ``name``."""
    check: Callable[[str, Any], Any] | None = None
    parse: Parse | None = None
    choices: Sequence[tuple[str | Text, str]] | None = None
    multiline: bool = False
    password: bool = False
    required: bool = True
    placeholder: str = ""
    hint: str = ""
    no_default: bool = False
    """A required choice that starts on "Choose…" (the first choice is never taken
    for the clerk: a transfer's receiving facility)."""


PREDICATES = ("is ", "are ", "must ", "may ", "cannot ", "needs ", "has ")
"""How a reason that goes on from the field's name begins ("is required")."""


def field_message(label: str, reason: str) -> str:
    """A field's refusal in words: "Description is required", "Onset date must be
    …"; a reason that is a sentence of its own after a colon ("ICD-10-CM code:
    Z99.9 is not in the code set"). A colon before "is required" read as a
    label with nothing after it."""
    return f"{label} {reason}" if reason.startswith(PREDICATES) else f"{label}: {reason}"


def whole_number(text: str) -> int:
    """Parse a whole number; the protocol's range check says the rest."""
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationError("value", "must be a whole number") from None


def check_value(spec: FormField, text: str) -> Any:
    """The value to send for ``text``, or :class:`ValidationError` saying what is wrong."""
    if not text.strip():
        if spec.required:
            raise ValidationError(spec.name, "is required")
        return None
    value: Any = text
    try:
        if spec.parse is not None:
            value = spec.parse(text)
        if spec.kind is not None:
            value = validate_field(spec.kind, spec.check_as or spec.name, value)
        if spec.check is not None:
            value = spec.check(spec.name, value)
    except ValidationError as error:
        raise ValidationError(spec.name, error.reason) from None
    return value


def opening_value(spec: FormField) -> str:
    """What ``raw_value`` reads in an untouched field: a required choice without a
    value of its own starts on its first choice."""
    if spec.choices and not spec.value and spec.required and not spec.no_default:
        return str(spec.choices[0][1])
    return spec.value or ""
