"""Field checks by the shared date rules (:mod:`protocol.rules.dates`), as the clerk types.

A form field's ``kind`` check says whether the text is a date at all; :func:`dated`
says whether the date is possible for the record (not in the future), with the
function the engine and the server apply on save, so the form shows the refusal
under the field the moment it is typed. Rules between two fields (a completion
before the reference date) are judged on save, by the same function, and shown
under the field they name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from protocol.records import RecordKind
from protocol.rules.dates import check_record_dates

FieldCheck = Callable[[str, Any], Any]


def dated(kind: RecordKind, today: date) -> FieldCheck:
    """A ``FormField.check`` applying ``kind``'s one-field date rules to the field."""

    def check(field: str, value: Any) -> Any:
        check_record_dates(kind, {field: value}, today=today, changed=[field])
        return value

    return check
