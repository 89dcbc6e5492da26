"""The inspector's side: redeeming a one-time access key with its code, then the
facilities the access names. The key is pasted into a form (the security
scheme: an inspector's token is never in a URL, so it never reaches a browser's
history, a proxy's log or the server's access log); it is kept in the encrypted
session cookie until the code is typed, and spent when the code is right; the
inspector then holds a session like anyone else's. Every page the
inspector opens, and its JSON twin, is an audit entry in the facility's chain
with the access's stated purpose; so is every report downloaded
(:mod:`.portal_reports`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read
from server.http.portal.pages import page, render, see_other
from server.portal import inspections, inspector_audit, scope
from server.portal.errors import AccessUnavailable, InputInvalid

routes = web.RouteTableDef()


async def _code_form(request: web.Request, *, error: str = "",
                     status: int = 200) -> web.Response:
    has_link = isinstance((await get_session(request)).get("link"), str)
    return await render(request, "access_code.html", {
        "title": "Inspector sign-in", "has_link": has_link, "error": error}, status=status)


async def _reshown(request: web.Request, refusal: InputInvalid,
                   form: forms.Form) -> web.Response:  # noqa: ARG001  a key and a code are not shown back
    return await _code_form(request, error=refusal.detail, status=400)


@routes.post("/portal/access/key")
@access(Access.PORTAL_OPEN)
@forms.reshown_on_nul(_reshown)
async def enter_key(request: web.Request) -> web.Response:
    """The access key, pasted: checked (an unknown, spent, locked, early or expired
    key gets its clear page, and the refusal is audited; unknown keys count against
    the address as failed sign-ins do), then kept in the session while the
    inspector types the code."""
    form = await forms.read(request)
    key = forms.secret(form, "key").strip()
    if not key or len(key) > inspections.MAX_KEY_LENGTH:
        return await _code_form(request, status=400,
                                error="Paste the access key the regional manager sent you.")
    await call(request, inspections.check_link, key, source=request.remote or "")
    (await get_session(request))["link"] = key
    return see_other("/portal/access")


@routes.get("/portal/access")
@access(Access.PORTAL_OPEN)
async def code_form(request: web.Request) -> web.Response:
    return await _code_form(request)


@routes.post("/portal/access")
@access(Access.PORTAL_OPEN)
@forms.reshown_on_nul(_reshown)
async def redeem(request: web.Request) -> web.Response:
    session = await get_session(request)
    token = session.get("link")
    if not isinstance(token, str):
        return await _code_form(request, status=400,
                                error="Paste the access key you were given first.")
    form = await forms.read(request)
    try:
        inspector = await call(request, inspections.redeem, token=token,
                               code=forms.secret(form, "code"), source=request.remote or "")
    except InputInvalid as exc:
        return await _code_form(request, error=exc.detail, status=400)
    except AccessUnavailable:
        session.pop("link", None)
        raise
    await sessions.start(request, inspector)
    return see_other("/portal/inspect")


@page(routes, "/portal/inspect", "inspect.html", Access.INSPECTOR)
async def landing(request: web.Request) -> dict[str, Any]:
    who = principal(request)
    refs = await read(request, scope.facilities, who)
    for ref in refs:
        await call(request, inspector_audit.record_view, who, ref.id, request.path)
    return {"title": "Your inspector access", "inspector": who.name, "agency": who.agency,
            "purpose": who.purpose, "expires_at": who.expires_at, "facilities": refs}


@page(routes, "/portal/inspect/facilities/{facility_id}", "inspect_facility.html",
      Access.INSPECTOR)
async def facility(request: web.Request) -> dict[str, Any]:
    who = principal(request)
    ref = await read(request, scope.facility, who, request.match_info["facility_id"])
    await call(request, inspector_audit.record_view, who, ref.id, request.path)
    return {"title": ref.name, "facility": ref, "purpose": who.purpose,
            "expires_at": who.expires_at,
            "reports": f"/portal/inspect/facilities/{ref.id}/reports"}
