"""What administrators and regional managers change: a held operation's review,
a facility's users, enrollment codes and settings; and their own account
("sign out everywhere"). Every form carries the CSRF token (the guard checks
it); every change is audited under the account's name; a facility outside the
account's scope is not found."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from server.errors import AdminError
from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read, settings
from server.http.portal.pages import page, render, see_other
from server.portal import accounts, facilities, management, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()
FACILITY = "/portal/facilities/{facility_id}"
ROLE_NAMES = {"clerk": "Clerk", "records_manager": "Records manager"}


def _fid(request: web.Request) -> str:
    return request.match_info["facility_id"]


@routes.post(FACILITY + "/held/{terminal_id}/{seq}")
@access(Access.ACCOUNT)
async def review(request: web.Request) -> web.Response:
    form = await forms.read(request)
    decision = form.get("decision")
    if decision not in ("apply", "reject"):
        raise InputInvalid("decision", "Choose apply or reject.")
    seq = forms.digits(request.match_info["seq"])
    if seq is None:
        raise web.HTTPNotFound
    result = await call(request, management.review_held, principal(request),
                        facility_id=_fid(request), terminal_id=request.match_info["terminal_id"],
                        seq=seq, apply=decision == "apply")
    outcome = str(result.status) + (f" ({result.reason})" if result.reason else "")
    await sessions.flash(request, f"Operation {result.seq} reviewed: {outcome}.")
    return see_other(f"/portal/facilities/{_fid(request)}/held")


async def _users_page(request: web.Request, *, error: str = "",
                      typed: dict[str, str] | None = None, status: int = 200) -> web.Response:
    who, facility_id = principal(request), _fid(request)
    ref = await read(request, scope.facility, who, facility_id)
    rows = await read(request, facilities.users, facility_id)
    return await render(request, "users.html", {
        "title": f"Users — {ref.name}", "facility": ref, "users": rows, "error": error,
        "typed": typed or {}}, status=status)


@routes.post(FACILITY + "/users")
@access(Access.ACCOUNT)
async def create_user(request: web.Request) -> web.Response:
    form = await forms.read(request)
    typed = {name: forms.text(form, name, required=False, limit=200)
             for name in ("username", "display_name", "role")}
    try:
        await call(request, management.create_user, principal(request),
                   facility_id=_fid(request), username=typed["username"], role=typed["role"],
                   display_name=typed["display_name"])
    except (InputInvalid, AdminError) as exc:
        if exc.status == 404:
            raise
        return await _users_page(request, error=exc.detail, typed=typed, status=400)
    await sessions.flash(request, f"{ROLE_NAMES.get(typed['role'], typed['role'])} "
                         f"{typed['username']} added. They sign in at a terminal of this "
                         "facility once a records manager adds them there.")
    return see_other(f"/portal/facilities/{_fid(request)}/users")


@routes.post(FACILITY + "/users/{user_id}/active")
@access(Access.ACCOUNT)
async def set_user_active(request: web.Request) -> web.Response:
    form = await forms.read(request)
    active = form.get("active") == "1"
    await call(request, management.set_user_active, principal(request),
               facility_id=_fid(request), user_id=request.match_info["user_id"], active=active)
    await sessions.flash(request, "User made active again." if active else
                         "User deactivated: changes they still make at a terminal are held "
                         "for review.")
    return see_other(f"/portal/facilities/{_fid(request)}/users")


@routes.post(FACILITY + "/codes")
@access(Access.ACCOUNT)
async def issue_code(request: web.Request) -> web.Response:
    code = await call(request, management.issue_code, principal(request),
                      facility_id=_fid(request))
    ref = await read(request, scope.facility, principal(request), _fid(request))
    hours = settings(request).enrollment_code_ttl_ms // 3_600_000
    return await render(request, "code_issued.html", {
        "title": f"Enrollment code — {ref.name}", "facility": ref, "code": code,
        "hours": hours})


@routes.post(FACILITY + "/settings")
@access(Access.ACCOUNT)
async def update_settings(request: web.Request) -> web.Response:
    form = await forms.read(request)
    name = forms.text(form, "name", limit=200, required=False)
    state = forms.text(form, "state", limit=2, required=False)
    try:
        await call(request, management.update_facility, principal(request),
                   facility_id=_fid(request), name=name, state=state)
    except AdminError as exc:
        if exc.status == 404:
            raise
        ref = await read(request, scope.facility, principal(request), _fid(request))
        return await render(request, "settings.html", {
            "title": f"Settings — {ref.name}", "facility": ref, "error": exc.detail,
            "typed": {"name": name, "state": state}}, status=400)
    await sessions.flash(request, "Settings saved; terminals receive them at their next sync.")
    return see_other(f"/portal/facilities/{_fid(request)}/settings")


@page(routes, "/portal/account", "account.html", Access.ACCOUNT)
async def own_account(request: web.Request) -> dict[str, Any]:
    who = principal(request)
    refs = await read(request, scope.facilities, who)
    return {"title": "Your account", "username": who.name, "display_name": who.display_name,
            "role": who.role, "facilities": refs}


@routes.post("/portal/account/sign-out-everywhere")
@access(Access.ACCOUNT)
async def sign_out_everywhere(request: web.Request) -> web.Response:
    who = principal(request)
    await call(request, accounts.sign_out_everywhere, account_id=who.id, actor=who.actor)
    sessions.end(await get_session(request))
    await sessions.flash(request, "You are signed out on every device.")
    return see_other("/portal/sign-in")
