"""The checks a record field's value goes through, by type of value.

Each check takes the field's name (for the message) and the value as typed or sent,
and returns the value cleaned or raises :class:`ValidationError`. Commands' arguments
(:mod:`protocol.commands`, :mod:`protocol.rules.records.commands`) use the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ..errors import ValidationError
from ..ids import is_id

Check = Callable[[str, Any], Any]


def _text(max_len: int, *, allow_empty: bool = False) -> Check:
    def check(name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(name, "must be text")
        if "\x00" in value:
            raise ValidationError(name, "must not contain NUL characters")
        stripped = value.strip()
        if not stripped and not allow_empty:
            raise ValidationError(name, "must not be empty")
        if len(value) > max_len:
            raise ValidationError(name, f"must be at most {max_len} characters")
        return stripped

    return check


def _pattern(regex: str, explain: str, *, upper: bool = False) -> Check:
    compiled = re.compile(regex)

    def check(name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(name, "must be text")
        cleaned = value.strip().upper() if upper else value.strip()
        if not compiled.fullmatch(cleaned):
            raise ValidationError(name, explain)
        return cleaned

    return check


def _date(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValidationError(name, "must be a real date written YYYY-MM-DD") from None


def _datetime(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, "must be a date and time written YYYY-MM-DDTHH:MM")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(name, "must be a date and time written YYYY-MM-DDTHH:MM") from None
    return parsed.isoformat(timespec="minutes")


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(name, "must be true or false")
    return value


def _choice(*options: str) -> Check:
    allowed = frozenset(options)

    def check(name: str, value: Any) -> str:
        # isinstance first: a list or map sent for a choice is unhashable (TypeError)
        if not isinstance(value, str) or value not in allowed:
            raise ValidationError(name, "must be one of " + ", ".join(sorted(allowed)))
        return str(value)

    return check


def _int_range(low: int, high: int) -> Check:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(name, "must be a whole number")
        if not low <= value <= high:
            raise ValidationError(name, f"must be between {low} and {high}")
        return value

    return check


def _record_id(name: str, value: Any) -> str:
    if not is_id(value):
        raise ValidationError(name, "must be a record id")
    return str(value)


def _record_ids(name: str, value: Any) -> list[str]:
    """A list of 1–500 record ids, each once (the attendees of a training)."""
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 500:
        raise ValidationError(name, "must list 1–500 records")
    ids = [_record_id(name, item) for item in value]
    return sorted(set(ids))


def _minutes(low: int, high: int) -> Check:
    """A whole number of minutes, given as a number or as text."""

    def check(name: str, value: Any) -> int:
        # isascii: "²" is a digit to str.isdigit but not to int()
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        return int(_int_range(low, high)(name, value))

    return check


TOPIC = re.compile(r"[a-z][a-z0-9_]{1,39}")


def _topics(name: str, value: Any) -> list[str]:
    """Training topics as codes (``dementia_management``, ``abuse_prevention``):
    a list, or text separated by commas or spaces."""
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or len(items) > 40:
        raise ValidationError(name, "must list topic codes such as dementia_management")
    out = []
    for item in items:
        code = str(item).strip().lower().replace("-", "_")
        if not TOPIC.fullmatch(code):
            raise ValidationError(name, f"{item!r} is not a topic code (letters, digits, _)")
        out.append(code)
    return sorted(set(out))
