"""A facility's emergency ("break the glass") accesses, for the regional
manager to review: who, when, at which terminal, which resident (record
number), the reason typed; a form marks each reviewed with a note (itself an
audit entry, :mod:`server.portal.emergency_access`). JSON twin; CSRF on the
form; a facility outside the account's scope is not found."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.engine import Connection

from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read
from server.http.portal.pages import page, render, see_other
from server.portal import emergency_access, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()
EMERGENCY = "/portal/facilities/{facility_id}/emergency"


async def _state(request: web.Request) -> dict[str, Any]:
    who, facility_id = principal(request), request.match_info["facility_id"]

    def load(conn: Connection) -> dict[str, Any]:
        ref = scope.facility(conn, who, facility_id)
        found = emergency_access.accesses(conn, facility_id)
        return {"title": f"Emergency access — {ref.name}", "facility": ref,
                "to_review": [a for a in found if a.reviewed_at is None],
                "reviewed": [a for a in found if a.reviewed_at is not None]}

    return await read(request, load)


@page(routes, EMERGENCY, "emergency.html", Access.ACCOUNT)
async def emergency(request: web.Request) -> dict[str, Any]:
    return await _state(request)


async def _reshown(request: web.Request, refusal: InputInvalid,
                   form: forms.Form) -> web.Response:
    seq = forms.digits(request.match_info["seq"])
    if seq is None:
        raise web.HTTPNotFound
    state = await _state(request)
    return await render(request, "emergency.html", {**state, "error": refusal.detail,
                                                    "error_seq": seq,
                                                    "typed": form.get("note", "")},
                        status=400)


@routes.post(EMERGENCY + "/{seq}")
@access(Access.ACCOUNT)
@forms.reshown_on_nul(_reshown)
async def review(request: web.Request) -> web.Response:
    seq = forms.digits(request.match_info["seq"])
    if seq is None:
        raise web.HTTPNotFound
    form = await forms.read(request)
    try:
        await call(request, emergency_access.review, principal(request),
                   facility_id=request.match_info["facility_id"], seq=seq,
                   note=str(form.get("note", "")))
    except InputInvalid as exc:
        state = await _state(request)
        return await render(request, "emergency.html", {**state, "error": exc.detail,
                                                        "error_seq": seq,
                                                        "typed": form.get("note", "")},
                            status=400)
    await sessions.flash(request, "Emergency access marked reviewed.")
    return see_other(request.path.rsplit("/", 1)[0])
