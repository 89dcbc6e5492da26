"""A facility's offline sign-in page: the offline window its terminals get
(a form, the same core function as ``chartkeep-server set-offline-window``,
audited under the account) and the sign-ins its terminals refused or saw fail
while offline, as they reported them at their next sync. JSON twin; CSRF on
the form; a facility outside the account's scope is not found."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.engine import Connection

from protocol.rules import offline_access
from server.errors import AdminError
from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read
from server.http.portal.pages import page, render, see_other
from server.portal import offline_sign_in, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()
OFFLINE = "/portal/facilities/{facility_id}/offline"


async def _state(request: web.Request) -> dict[str, Any]:
    who, facility_id = principal(request), request.match_info["facility_id"]

    def load(conn: Connection) -> dict[str, Any]:
        ref = scope.facility(conn, who, facility_id)
        return {"title": f"Offline sign-in — {ref.name}", "facility": ref,
                "window_days": offline_sign_in.window_days(conn, facility_id),
                "max_days": offline_access.MAX_WINDOW_DAYS,
                "refused": offline_sign_in.refused_sign_ins(conn, facility_id)}

    return await read(request, load)


@page(routes, OFFLINE, "offline.html", Access.ACCOUNT)
async def offline(request: web.Request) -> dict[str, Any]:
    return await _state(request)


@routes.post(OFFLINE)
@access(Access.ACCOUNT)
async def set_window(request: web.Request) -> web.Response:
    form = await forms.read(request)
    try:
        days = forms.number(form, "days", low=1, high=offline_access.MAX_WINDOW_DAYS,
                            label="The offline window")
        await call(request, offline_sign_in.set_window, principal(request),
                   facility_id=request.match_info["facility_id"], days=days)
    except (InputInvalid, AdminError) as exc:
        if exc.status == 404:
            raise
        state = await _state(request)
        return await render(request, "offline.html", {**state, "error": exc.detail,
                                                      "typed": form.get("days", "")},
                            status=400)
    await sessions.flash(request, f"Offline window set to {days} days; terminals receive it "
                         "at their next sync.")
    return see_other(request.path)
