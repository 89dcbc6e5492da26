"""Signing in to the portal: name and password, then a TOTP code — or, for an
account without one yet, enrolment (a QR code drawn on the server, as SVG) —
then a fresh session. Also signing out, and the portal's stylesheet and icon."""

from __future__ import annotations

from importlib import resources
from typing import Any

import segno
from aiohttp import web
from aiohttp_session import get_session
from markupsafe import Markup

from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.pages import render, see_other
from server.http.state import PRINCIPAL, SERVICE, SETTINGS, blocking
from server.portal import accounts
from server.portal.errors import InputInvalid, SignInRefused, SignInThrottled

routes = web.RouteTableDef()
HOME = "/portal"


def safe_next(value: object) -> str:
    """Only a path inside the portal: never another site."""
    if isinstance(value, str) and value.startswith("/portal") and "//" not in value \
            and "\\" not in value:
        return value
    return HOME


@routes.get("/portal/static/portal.css")
@access(Access.PORTAL_OPEN)
async def stylesheet(_request: web.Request) -> web.Response:
    css = resources.files("server.http").joinpath("static/portal.css").read_bytes()
    return web.Response(body=css, content_type="text/css",
                        headers={"Cache-Control": "max-age=3600"})


def _icon() -> web.Response:
    svg = resources.files("server.http").joinpath("static/favicon.svg").read_bytes()
    return web.Response(body=svg, content_type="image/svg+xml",
                        headers={"Cache-Control": "max-age=86400"})


@routes.get("/portal/static/favicon.svg")
@access(Access.PORTAL_OPEN)
async def icon(_request: web.Request) -> web.Response:
    """The portal's icon, which every page names (``<link rel="icon">``)."""
    return _icon()


@routes.get("/favicon.ico")
@access(Access.PUBLIC)
async def favicon(_request: web.Request) -> web.Response:
    """The same icon where browsers look for one unasked, so no page logs a 404."""
    return _icon()


@routes.get("/portal/sign-in")
@access(Access.PORTAL_OPEN)
async def sign_in_form(request: web.Request) -> web.Response:
    principal = request.get(PRINCIPAL)
    if principal is not None and not principal.is_inspector:
        return see_other(safe_next(request.query.get("next")))
    return await render(request, "sign_in.html", {
        "title": "Sign in", "next": safe_next(request.query.get("next"))})


async def _sign_in_reshown(request: web.Request, refusal: InputInvalid,
                           form: forms.Form) -> web.Response:
    """A NUL in the user name or password: the form again, the user name as typed
    (the password never shown back); no attempt is counted or audited."""
    return await render(request, "sign_in.html", {
        "title": "Sign in", "error": refusal.detail, "field": refusal.field,
        "username": forms.text(form, "username", limit=100, required=False),
        "next": safe_next(form.get("next"))}, status=400)


@routes.post("/portal/sign-in")
@access(Access.PORTAL_OPEN)
@forms.reshown_on_nul(_sign_in_reshown)
async def sign_in(request: web.Request) -> web.Response:
    form = await forms.read(request)
    username = forms.text(form, "username", limit=100, required=False)
    nxt = safe_next(form.get("next"))
    service = request.app[SERVICE]
    try:
        passed = await blocking(request, lambda: accounts.password_step(
            service.engine, service.settings, username=username,
            password=forms.secret(form, "password"), source=request.remote or ""))
    except (SignInRefused, SignInThrottled) as exc:
        return await render(request, "sign_in.html", {
            "title": "Sign in", "error": exc.detail, "username": username, "next": nxt},
            status=exc.status)
    session = await get_session(request)
    pending: dict[str, Any] = {"id": passed.account_id, "name": passed.username,
                               "at": request.app[SETTINGS].clock(), "next": nxt}
    if not passed.enrolled:
        pending["secret"] = accounts.new_totp_secret()
    session["pending"] = pending
    return see_other("/portal/sign-in/code" if passed.enrolled else "/portal/sign-in/enrol")


async def _pending(request: web.Request) -> dict[str, Any] | None:
    pending = (await get_session(request)).get("pending")
    if not isinstance(pending, dict):
        return None
    if request.app[SETTINGS].clock() - int(pending.get("at", 0)) > sessions.PENDING_MS:
        return None
    return pending


def _qr(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                title="QR code for your authenticator app")
    return Markup(svg)  # noqa: S704  drawn by segno from our own URI; no user text in it


async def _code_page(request: web.Request, pending: dict[str, Any], *, error: str = "",
                     status: int = 200) -> web.Response:
    secret = pending.get("secret")
    data: dict[str, Any] = {"title": "Set up your second factor" if secret else "Enter your code",
                            "error": error, "enrolling": bool(secret),
                            "action": "/portal/sign-in/enrol" if secret else
                            "/portal/sign-in/code"}
    if secret:
        uri = accounts.totp_uri(secret, str(pending["name"]))
        data.update(secret=secret, qr=_qr(uri),
                    secret_groups=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))
    return await render(request, "sign_in_code.html", data, status=status)


@routes.get("/portal/sign-in/code")
@routes.get("/portal/sign-in/enrol")
@access(Access.PORTAL_OPEN)
async def code_form(request: web.Request) -> web.Response:
    pending = await _pending(request)
    if pending is None or bool(pending.get("secret")) != request.path.endswith("enrol"):
        return see_other("/portal/sign-in")
    return await _code_page(request, pending)


@routes.post("/portal/sign-in/code")
@routes.post("/portal/sign-in/enrol")
@access(Access.PORTAL_OPEN)
async def code_step(request: web.Request) -> web.Response:
    pending = await _pending(request)
    if pending is None:
        await sessions.flash(request, "That took too long; sign in again.")
        return see_other("/portal/sign-in")
    form = await forms.read(request)
    service = request.app[SERVICE]
    try:
        principal, generation = await blocking(request, lambda: accounts.code_step(
            service.engine, service.settings, account_id=str(pending["id"]),
            code=forms.secret(form, "code"), source=request.remote or "",
            secret=pending.get("secret")))
    except (SignInRefused, SignInThrottled) as exc:
        return await _code_page(request, pending, error=exc.detail, status=exc.status)
    await sessions.start(request, principal, generation)
    return see_other(safe_next(pending.get("next")))


@routes.post("/portal/sign-out")
@access(Access.PORTAL_OPEN)
async def sign_out(request: web.Request) -> web.Response:
    principal = request.pop(PRINCIPAL, None)
    sessions.end(await get_session(request))
    if principal is not None and principal.is_inspector:
        return await render(request, "signed_out.html", {"title": "Signed out"})
    await sessions.flash(request, "You have signed out.")
    return see_other("/portal/sign-in")
