"""Argument rules the records commands need beyond the record fields' own:
lists of text, an authorization form, a destruction's records, a review's
deficiencies. Each returns the cleaned value or raises
:class:`~protocol.errors.ValidationError` naming the argument."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from protocol.errors import ValidationError
from protocol.records.checks import Check, _bool, _date, _record_id, _text
from protocol.rules.records.authorizations import Authorization

TEXT = _text(200)
LONG_TEXT = _text(4000)
OPTIONAL_TEXT = _text(400, allow_empty=True)


def texts(max_items: int = 50, max_len: int = 200) -> Check:
    """A list of short texts (parts released, parties named), each once, in order."""
    one = _text(max_len)

    def check(name: str, value: Any) -> list[str]:
        if not isinstance(value, list | tuple) or len(value) > max_items:
            raise ValidationError(name, f"must list at most {max_items} items")
        out: list[str] = []
        for item in value:
            cleaned = one(name, item)
            if cleaned not in out:
                out.append(cleaned)
        return out

    return check


def record_ids(name: str, value: Any) -> list[str]:
    """0–500 record ids, each once, sorted."""
    if not isinstance(value, list | tuple) or len(value) > 500:
        raise ValidationError(name, "must list at most 500 records")
    return sorted({_record_id(name, item) for item in value})


def _maps(name: str, value: Any, keys: Mapping[str, tuple[Check, bool]],
          max_items: int) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= max_items:
        raise ValidationError(name, f"must list 1–{max_items} items")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) - set(keys):
            raise ValidationError(name, "each item has the fields " + ", ".join(keys))
        clean: dict[str, Any] = {}
        for key, (check, required) in keys.items():
            raw = item.get(key)
            if raw is None:
                if required:
                    raise ValidationError(f"{name}.{key}", "is required")
                clean[key] = None
                continue
            clean[key] = check(f"{name}.{key}", raw)
        out.append(clean)
    return out


def map_list(keys: Mapping[str, tuple[Check, bool]], max_items: int = 500) -> Check:
    def check(name: str, value: Any) -> list[dict[str, Any]]:
        return _maps(name, value, keys, max_items)

    return check


# --- the authorization form -----------------------------------------------------------------

_AUTH_TEXT = ("information", "disclosers", "recipients", "purposes", "expiration_event",
              "signed_by", "representative_authority")
_AUTH_DATES = ("expires_on", "signed_on", "revoked_on")
_AUTH_FLAGS = ("signed_by_representative", "states_right_to_revoke", "states_conditioning",
               "states_redisclosure", "plain_language", "expiration_event_occurred")
AUTH_FIELDS = (*_AUTH_TEXT, *_AUTH_DATES, *_AUTH_FLAGS)


def authorization_arg(name: str, value: Any) -> dict[str, Any]:
    """The fields of a signed authorization form, checked for type only: whether
    it is HIPAA-valid is :func:`protocol.rules.records.authorizations.check_authorization`."""
    if not isinstance(value, Mapping):
        raise ValidationError(name, "must be the fields of the authorization form")
    unknown = set(value) - set(AUTH_FIELDS)
    if unknown:
        raise ValidationError(name, f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    text = _text(1000, allow_empty=True)
    out: dict[str, Any] = {}
    for key in _AUTH_TEXT:
        out[key] = text(f"{name}.{key}", value.get(key) or "")
    for key in _AUTH_DATES:
        raw = value.get(key)
        out[key] = None if raw in (None, "") else _date(f"{name}.{key}", raw)
    for key in _AUTH_FLAGS:
        raw = value.get(key)
        default = key == "plain_language"
        out[key] = default if raw is None else _bool(f"{name}.{key}", raw)
    return out


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def authorization_of(data: Mapping[str, Any]) -> Authorization:
    """The rule's view of a stored authorization form."""
    def text(key: str) -> str:
        return str(data.get(key) or "")

    def flag(key: str) -> bool:
        return bool(data.get(key, key == "plain_language"))

    return Authorization(
        information=text("information"), disclosers=text("disclosers"),
        recipients=text("recipients"), purposes=text("purposes"),
        expires_on=_day(data.get("expires_on")), expiration_event=text("expiration_event"),
        signed_by=text("signed_by"), signed_on=_day(data.get("signed_on")),
        signed_by_representative=flag("signed_by_representative"),
        representative_authority=text("representative_authority"),
        states_right_to_revoke=flag("states_right_to_revoke"),
        states_conditioning=flag("states_conditioning"),
        states_redisclosure=flag("states_redisclosure"), plain_language=flag("plain_language"),
        expiration_event_occurred=flag("expiration_event_occurred"),
        revoked_on=_day(data.get("revoked_on")))


def choice_of(options: Any) -> Callable[[str, Any], str]:
    """One of the values of a StrEnum."""
    allowed = sorted(str(o) for o in options)

    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise ValidationError(name, "must be one of " + ", ".join(allowed))
        return str(value)

    return check
