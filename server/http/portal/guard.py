"""Who may open a portal route: the session's principal, loaded afresh on every
request, against the route's policy.

* ``portal_open``: anyone (the sign-in pages, an inspector's access page);
* ``account``: an administrator or regional manager — nobody signed in is sent
  to the sign-in page (the JSON twin answers 401), an inspector gets 404;
* ``administrator``: an administrator — anyone else signed in gets 404;
* ``inspector``: an inspector with a live access — an account gets 404; an access
  revoked or expired since gets its clear page (410).

An inspector's access is read-only: a request other than a read on an account's
route (publishing a bulletin, deciding an expenditure …) gets the same 404 and is
audited (``inspect:write_refused``) in each facility of the access: the first
attempt per access, route and minute, then one aggregated count per minute. One
sent without the session's form token is refused by the CSRF check (403) and is
audited the same way (``refused_by: csrf``).

Every request that is not a plain read must carry the session's CSRF token
(403 without). Sessions end after ``portal_idle_ms`` unused and
``portal_session_ms`` in all (an inspector's at most 8 hours and never past the
access's end); an account's end at once when it is deactivated or signs out
everywhere (its generation moves).
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from aiohttp_session import Session, get_session

from server.errors import NotFound, ServerError
from server.portal import accounts, inspections, inspector_audit
from server.portal.errors import AccessUnavailable
from server.portal.principals import Principal

from ..access import Access
from ..state import PRINCIPAL, REFUSED_WRITES, SERVICE, SETTINGS, blocking
from . import sessions
from .pages import Handler, see_other, wants_json


class SignInRequired(ServerError):
    code = "sign_in_required"
    status = 401

    def __init__(self) -> None:
        super().__init__("Sign in to see this page.")


async def load_principal(request: web.Request, session: Session) -> Principal | None:
    kind, ident = session.get("kind"), session.get("id")
    if kind not in ("account", "inspector") or not isinstance(ident, str):
        return None
    settings = request.app[SETTINGS]
    engine = request.app[SERVICE].engine
    now = settings.clock()
    if sessions.expired(settings, session, now):
        sessions.end(session)
        if kind == "inspector":  # no sign-in page to send them to: say why, plainly
            await blocking(request, inspections.load_inspector, engine, settings, ident)
            raise AccessUnavailable("session_ended")
        await sessions.flash(request, "Your session ended; sign in again.")
        return None
    principal: Principal | None
    if kind == "account":
        principal = await blocking(request, accounts.load_account, engine, ident,
                                   session.get("gen", -1))
    else:
        try:
            principal = await blocking(request, inspections.load_inspector, engine, settings,
                                       ident)
        except AccessUnavailable:
            sessions.end(session)
            raise
    if principal is None:
        sessions.end(session)
        return None
    session["seen"] = now
    return principal


async def portal_guard(request: web.Request, handler: Handler,
                       policy: Access) -> web.StreamResponse:
    session = await get_session(request)
    sessions.ensure_csrf(session)
    try:
        await sessions.check_csrf(request, session)
    except sessions.CsrfRefused:
        # An inspector's write attempt sent without the form's token (a script
        # holding the cookie) is refused here, before the route: audited as the
        # write attempt it is (security.md, case 12).
        if policy in (Access.ACCOUNT, Access.ADMINISTRATOR) \
                and session.get("kind") == "inspector":
            inspector = await load_principal(request, session)
            if inspector is not None and inspector.is_inspector:
                await _refused_write(request, inspector, {"refused_by": "csrf"})
        raise
    principal = await load_principal(request, session)
    if principal is not None:
        request[PRINCIPAL] = principal
    if policy is Access.PORTAL_OPEN:
        return await handler(request)
    if principal is None:
        if wants_json(request) or request.method != "GET":
            raise SignInRequired
        return see_other("/portal/sign-in?next=" + quote(request.path_qs, safe="/"))
    if (policy is Access.INSPECTOR) != principal.is_inspector or (
            policy is Access.ADMINISTRATOR and not principal.is_administrator):
        if principal.is_inspector and request.method not in ("GET", "HEAD"):
            await _refused_write(request, principal)
        raise NotFound("There is no such page.")
    if principal.is_inspector:
        try:
            return await handler(request)
        except NotFound:
            facility_id = request.match_info.get("facility_id")
            if facility_id is not None and facility_id not in (principal.facilities or ()):
                # A facility the access does not name: answered as one that does not
                # exist, and audited (security.md, case 12: "for another facility").
                await blocking(request, inspector_audit.record_other_facility,
                               request.app[SERVICE].engine, request.app[SETTINGS], principal,
                               request.path)
            raise
    return await handler(request)


async def _refused_write(request: web.Request, inspector: Principal,
                         detail: dict[str, str] | None = None) -> None:
    """Read-only access: a write attempt is refused and audited (security.md, case
    12). At most one entry per access, route and minute, then a count."""
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "(no route)"
    await blocking(request, inspector_audit.record_refused_write,
                   request.app[SERVICE].engine, request.app[SETTINGS],
                   request.app[REFUSED_WRITES], inspector, request.method,
                   request.path, route, detail)
