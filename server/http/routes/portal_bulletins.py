"""Regulation bulletins in the portal: the region's list (who has not
acknowledged each, who is overdue), the form that publishes one to facilities
in scope, and its post (:mod:`server.portal.bulletins`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from protocol.rules.dates import latest_facility_date
from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read, settings
from server.http.portal.pages import page, render, see_other
from server.portal import bulletins, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()
AUDIENCE_NAMES = {"everyone": "Everyone (clerks and records managers)",
                  "records_managers": "Records managers", "clerks": "Clerks"}


@page(routes, "/portal/bulletins", "bulletins.html", Access.ACCOUNT)
async def bulletin_list(request: web.Request) -> dict[str, Any]:
    today = latest_facility_date(settings(request).clock())
    rows = await read(request, bulletins.bulletins, principal(request), today)
    return {"title": "Regulation bulletins", "today": today.isoformat(), "bulletins": rows,
            "overdue": sum(len(b.overdue) for b in rows)}


async def _form(request: web.Request, *, error: str = "", field: str = "",
                typed: dict[str, Any] | None = None, status: int = 200) -> web.Response:
    refs = await read(request, scope.facilities, principal(request))
    return await render(request, "bulletin_new.html", {
        "title": "Publish a regulation bulletin", "facilities": refs,
        "audiences": AUDIENCE_NAMES, "error": error, "field": field, "typed": typed or {}},
        status=status)


@routes.get("/portal/bulletins/new")
@access(Access.ACCOUNT)
async def new_bulletin(request: web.Request) -> web.Response:
    if principal(request).is_inspector:
        raise web.HTTPNotFound
    return await _form(request)


def _typed(form: forms.Form) -> dict[str, Any]:
    typed: dict[str, Any] = {name: forms.text(form, name, required=False, limit=20_000)
                             for name in bulletins.FIELDS}
    typed["facilities"] = forms.choices(form, "facilities")
    return typed


async def _reshown(request: web.Request, refusal: InputInvalid,
                   form: forms.Form) -> web.Response:
    return await _form(request, error=refusal.detail, field=refusal.field, typed=_typed(form),
                       status=400)


@routes.post("/portal/bulletins")
@access(Access.ACCOUNT)
@forms.reshown_on_nul(_reshown)
async def publish(request: web.Request) -> web.Response:
    form = await forms.read(request)
    typed = _typed(form)
    try:
        await call(request, bulletins.publish, principal(request),
                   facility_ids=typed["facilities"], fields=typed)
    except InputInvalid as exc:
        return await _form(request, error=exc.detail, field=exc.field, typed=typed,
                           status=400)
    await sessions.flash(request, f"Bulletin published to {len(typed['facilities'])} "
                         "facilities; their terminals receive it at their next sync.")
    return see_other("/portal/bulletins")


