"""The audit log of a facility as anyone holding a checkpoint needs it: the
current signed checkpoint (published on demand), and a consistency statement
from any earlier size — what ``chartkeep-verify --statement`` checks a bundle
against, to tell whether the facility's history was rewritten or cut since the
bundle was made. For accounts (in their scope) and for inspectors (for the
facilities of their access; each use audited as every inspector page,
``inspect:view``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from protocol.audit_log import checkpoint_to_json
from protocol.bundles import key_fingerprint
from server.http.access import Access, access
from server.http.portal import forms
from server.http.portal.context import call, principal, read
from server.http.portal.pages import page
from server.http.state import AUDIT_LOG, blocking
from server.portal import facilities, inspector_audit, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()


async def _facility(request: web.Request) -> scope.FacilityRef:
    """The facility in scope; an inspector's look is audited before anything is read."""
    who = principal(request)
    ref = await read(request, scope.facility, who, request.match_info["facility_id"])
    if who.is_inspector:
        await call(request, inspector_audit.record_view, who, ref.id, request.path)
    return ref


async def _state(request: web.Request) -> dict[str, Any]:
    ref = await _facility(request)
    audit_log = request.app[AUDIT_LOG]
    published = await blocking(request, audit_log.current, ref.id)
    state = await read(request, facilities.audit_state, ref.id)
    key = await blocking(request, audit_log.public_key)
    return {"title": f"Audit log — {ref.name}", "facility": ref, "entries": state.entries,
            "checkpoint": checkpoint_to_json(published.checkpoint),
            "published_at": published.published_at, "server_key": key.hex(),
            "key_fingerprint": key_fingerprint(key)}


@page(routes, "/portal/facilities/{facility_id}/audit", "audit.html", Access.ACCOUNT)
async def audit_page(request: web.Request) -> dict[str, Any]:
    return await _state(request)


@page(routes, "/portal/inspect/facilities/{facility_id}/audit", "audit.html",
      Access.INSPECTOR)
async def audit_page_for_inspector(request: web.Request) -> dict[str, Any]:
    return await _state(request)


async def _statement(request: web.Request) -> web.Response:
    ref = await _facility(request)
    raw = request.query.get("from", "")
    size = forms.digits(raw)
    if size is None:
        raise InputInvalid("from", "Give the size of the checkpoint you hold: ?from=N.")
    audit_log = request.app[AUDIT_LOG]
    statement = await blocking(request, audit_log.statement, ref.id, size)
    return web.json_response(statement)


@routes.get("/portal/facilities/{facility_id}/audit/consistency.json")
@access(Access.ACCOUNT)
async def consistency(request: web.Request) -> web.Response:
    return await _statement(request)


@routes.get("/portal/inspect/facilities/{facility_id}/audit/consistency.json")
@access(Access.INSPECTOR)
async def consistency_for_inspector(request: web.Request) -> web.Response:
    return await _statement(request)
