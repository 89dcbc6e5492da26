"""Reading form fields: text trimmed and bounded, numbers and dates checked,
each failure an :class:`~server.portal.errors.InputInvalid` naming the field."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from protocol.schema import NUL_REFUSED
from server.errors import NotFound
from server.portal.errors import InputInvalid

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Reshow = Callable[[web.Request, InputInvalid, Form], Awaitable[web.StreamResponse]]

NUL_SHOWN = "\u2400"
"""How a NUL the person typed is shown back in a re-shown form (␀): visible, so it
can be found and deleted, and never sent to the browser as a raw NUL."""
RESHOWS_ATTR = "__chartkeep_reshows_nul__"
NUL_REFUSAL = web.RequestKey("nul_refusal", InputInvalid)
"""A form field's NUL, found at the edge, for a handler that re-shows its form
(:func:`reshown_on_nul`) instead of the error page."""


def digits(raw: object, *, at_most: int = 18) -> int | None:
    """A whole number written in ASCII digits (at most ``at_most`` of them), as
    in a path, a query or a form; ``None`` for anything else. ``str.isdigit``
    alone is not enough: "²" is a digit to it and not to ``int``."""
    if not isinstance(raw, str) or not raw or len(raw) > at_most:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() else None


async def refuse_nul(request: web.Request) -> None:
    """The one NUL rule (:data:`protocol.schema.NUL_REFUSED`) at the portal's edge,
    before any view, look-up or audit entry sees the request: a path part holding
    a NUL names nothing that exists (404, as any unknown id); a query or form
    field holding one is refused as invalid (400), the field named — a form whose
    handler re-shows it (:func:`reshown_on_nul`) is shown again with the error and
    what was typed, any other answers with the error page."""
    if any("\x00" in value for value in request.match_info.values()):
        raise NotFound("There is no such page.")
    for name, value in request.query.items():
        if "\x00" in name or "\x00" in value:
            raise InputInvalid("query", f"The address's {_shown(name)} {NUL_REFUSED}.")
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return
    try:
        form = await request.post()
    except ValueError:  # not a form in its charset: the CSRF check refuses it (403)
        return
    for name, field in form.items():
        if "\x00" in name or (isinstance(field, str) and "\x00" in field):
            refusal = InputInvalid(_shown(name), f"{_shown(name).replace('_', ' ').capitalize()} "
                                                 f"{NUL_REFUSED}.")
            if not getattr(request.match_info.handler, RESHOWS_ATTR, False):
                raise refusal
            request[NUL_REFUSAL] = refusal  # its form is shown again, the field named
            return


def reshown_on_nul(reshow: Reshow) -> Callable[[Handler], Handler]:
    """A form's handler that, when a field holds a NUL, shows the form again
    (``reshow(request, refusal, typed)``: the refusal names the field, ``typed`` is
    the form as sent, each NUL shown as :data:`NUL_SHOWN`) instead of the
    generic error page; the handler itself never runs, so no look-up or audit
    entry sees the NUL. Goes under ``@access``, so the route's policy (and the
    guard's checks) come first."""
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def reshowing(request: web.Request) -> web.StreamResponse:
            refusal = request.get(NUL_REFUSAL)
            if refusal is None:
                return await handler(request)
            return await reshow(request, refusal, shown_back(await read(request)))

        setattr(reshowing, RESHOWS_ATTR, True)
        return reshowing

    return wrap


def shown_back(form: Form) -> Form:
    """The form's text fields as typed, each NUL shown as :data:`NUL_SHOWN` (files left
    out)."""
    return MultiDictProxy(MultiDict(
        (name.replace("\x00", NUL_SHOWN), value.replace("\x00", NUL_SHOWN))
        for name, value in form.items() if isinstance(value, str)))


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _shown(name: str) -> str:
    return name.replace("\x00", "\u2400")[:60] or "field"


async def read(request: web.Request) -> Form:
    try:
        return await request.post()
    except ValueError:  # not a form in its charset (UnicodeDecodeError is one)
        raise InputInvalid("form", "The form could not be read.") from None


def text(form: Form, name: str, *, limit: int = 500, required: bool = True,
         label: str = "") -> str:
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if required and not value:
        raise InputInvalid(name, f"{label or name.replace('_', ' ').capitalize()} is needed.")
    if len(value) > limit:
        raise InputInvalid(name, f"{label or name} has at most {limit} characters.")
    return value


def secret(form: Form, name: str) -> str:
    """A password or code: as typed, never trimmed."""
    raw = form.get(name)
    return raw if isinstance(raw, str) else ""


def number(form: Form, name: str, *, low: int, high: int, label: str) -> int:
    raw = form.get(name)
    try:
        value = int(raw.strip()) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise InputInvalid(name, f"{label} is a whole number from {low} to {high}.")
    return value


def day_start(form: Form, name: str, *, label: str) -> int | None:
    """A date field (YYYY-MM-DD) as the start of that day, UTC, in ms; empty → None."""
    raw = form.get(name)
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        chosen = date.fromisoformat(raw.strip())
    except ValueError:
        raise InputInvalid(name, f"{label} is a date like 2026-03-02.") from None
    return int(datetime(chosen.year, chosen.month, chosen.day, tzinfo=UTC).timestamp() * 1000)


def choices(form: Form, name: str) -> list[str]:
    return [value for value in form.getall(name, []) if isinstance(value, str) and value]
