"""Administrators manage the portal's accounts: regional managers (with their
region) and other administrators. A new or reset account gets a password the
server chooses, shown once, and enrols its TOTP second factor at its next
sign-in. Deactivating or resetting an account ends its sessions at once."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read
from server.http.portal.pages import page, render, see_other
from server.portal import accounts, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()


async def _page_data(request: web.Request) -> dict[str, Any]:
    rows = await call(request, lambda engine, _settings: accounts.list_accounts(engine))
    refs = await read(request, scope.facilities, principal(request))
    return {"title": "Accounts", "accounts": rows, "facilities": refs,
            "_names": {ref.id: ref.name for ref in refs}}


@page(routes, "/portal/accounts", "accounts.html", Access.ADMINISTRATOR)
async def list_accounts(request: web.Request) -> dict[str, Any]:
    return await _page_data(request)


def _typed(form: forms.Form) -> dict[str, Any]:
    typed: dict[str, Any] = {name: forms.text(form, name, required=False, limit=200)
                             for name in ("username", "display_name", "role")}
    typed["facilities"] = forms.choices(form, "facilities")
    return typed


async def _reshown(request: web.Request, refusal: InputInvalid,
                   form: forms.Form) -> web.Response:
    data = await _page_data(request)
    return await render(request, "accounts.html", {**data, "error": refusal.detail,
                                                   "field": refusal.field,
                                                   "typed": _typed(form)}, status=400)


@routes.post("/portal/accounts")
@access(Access.ADMINISTRATOR)
@forms.reshown_on_nul(_reshown)
async def create(request: web.Request) -> web.Response:
    form = await forms.read(request)
    typed = _typed(form)
    try:
        made = await call(request, accounts.create_account, username=typed["username"],
                          role=typed["role"], display_name=typed["display_name"],
                          facilities=typed["facilities"], enrolled=False,
                          actor=principal(request).actor)
    except InputInvalid as exc:
        data = await _page_data(request)
        return await render(request, "accounts.html", {**data, "error": exc.detail,
                                                       "field": exc.field, "typed": typed},
                            status=400)
    return await render(request, "account_issued.html", {
        "title": "Account created", "username": made.username, "password": made.password})


def _account_id(request: web.Request) -> str:
    return request.match_info["account_id"]


@routes.post("/portal/accounts/{account_id}/reset")
@access(Access.ADMINISTRATOR)
async def reset(request: web.Request) -> web.Response:
    password = await call(request, accounts.reset, account_id=_account_id(request),
                          actor=principal(request).actor)
    rows = await call(request, lambda engine, _settings: accounts.list_accounts(engine))
    username = next(row.username for row in rows if row.id == _account_id(request))
    return await render(request, "account_issued.html", {
        "title": "Account reset", "username": username, "password": password})


@routes.post("/portal/accounts/{account_id}/active")
@access(Access.ADMINISTRATOR)
async def set_active(request: web.Request) -> web.Response:
    form = await forms.read(request)
    active = form.get("active") == "1"
    await call(request, accounts.set_active, account_id=_account_id(request), active=active,
               actor=principal(request).actor)
    await sessions.flash(request, "Account active again." if active else
                         "Account deactivated; its sessions have ended.")
    return see_other("/portal/accounts")


@routes.post("/portal/accounts/{account_id}/region")
@access(Access.ADMINISTRATOR)
async def set_region(request: web.Request) -> web.Response:
    form = await forms.read(request)
    await call(request, accounts.set_region, account_id=_account_id(request),
               facilities=forms.choices(form, "facilities"), actor=principal(request).actor)
    await sessions.flash(request, "Region saved.")
    return see_other("/portal/accounts")
