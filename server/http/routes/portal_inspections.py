"""Inspector accesses, as a regional manager (or administrator) handles them:
issue one (the link and the code are shown once), see who looked at what,
revoke at once, and download an access's log at a facility as a signed
bundle anyone can check with ``chartkeep-verify``."""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web

from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read, settings
from server.http.portal.pages import page, render, see_other, when
from server.http.state import AUDIT_LOG, blocking
from server.portal import inspections, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()
HOUR_MS = inspections.HOUR_MS


@page(routes, "/portal/inspections", "inspections.html", Access.ACCOUNT)
async def list_accesses(request: web.Request) -> dict[str, Any]:
    rows = await call(request, inspections.list_accesses, principal(request))
    refs = {ref.id: ref.name for ref in await read(request, scope.facilities,
                                                      principal(request))}
    return {"title": "Inspector accesses", "accesses": rows, "_names": refs}


async def _new_form(request: web.Request, *, error: str = "", field: str = "",
                    typed: dict[str, Any] | None = None, status: int = 200) -> web.Response:
    refs = await read(request, scope.facilities, principal(request))
    return await render(request, "inspection_new.html", {
        "title": "Issue an inspector access", "facilities": refs, "error": error,
        "field": field, "typed": typed or {"hours": str(inspections.MAX_HOURS)},
        "max_hours": inspections.MAX_HOURS},
        status=status)


@page(routes, "/portal/inspections/new", "inspection_new.html", Access.ACCOUNT)
async def new_access(request: web.Request) -> dict[str, Any]:
    refs = await read(request, scope.facilities, principal(request))
    return {"title": "Issue an inspector access", "facilities": refs,
            "typed": {"hours": str(inspections.MAX_HOURS)}, "max_hours": inspections.MAX_HOURS}


def _typed(form: forms.Form) -> dict[str, Any]:
    typed: dict[str, Any] = {name: forms.text(form, name, required=False, limit=600)
                             for name in ("inspector_name", "agency", "purpose", "valid_from",
                                          "hours")}
    typed["facilities"] = forms.choices(form, "facilities")
    return typed


async def _reshown(request: web.Request, refusal: InputInvalid,
                   form: forms.Form) -> web.Response:
    return await _new_form(request, error=refusal.detail, field=refusal.field,
                           typed=_typed(form), status=400)


@routes.post("/portal/inspections")
@access(Access.ACCOUNT)
@forms.reshown_on_nul(_reshown)
async def issue(request: web.Request) -> web.Response:
    form = await forms.read(request)
    typed = _typed(form)
    now = settings(request).clock()
    try:
        hours = forms.number(form, "hours", low=1, high=inspections.MAX_HOURS,
                             label="The number of hours")
        start = forms.day_start(form, "valid_from", label="The first day")
        not_before = now if start is None or start <= now else start
        issued = await call(request, inspections.issue, principal(request),
                            inspector_name=typed["inspector_name"], agency=typed["agency"],
                            purpose=typed["purpose"], facility_ids=typed["facilities"],
                            not_before=not_before, expires_at=not_before + hours * HOUR_MS)
    except InputInvalid as exc:
        return await _new_form(request, error=exc.detail, field=exc.field, typed=typed,
                               status=400)
    page = str(request.url.with_path("/portal/access").with_query(None))
    return await render(request, "inspection_issued.html", {
        "title": "Inspector access issued", "access_id": issued.id, "page": page,
        "key": issued.token,
        "code": issued.code, "inspector_name": typed["inspector_name"],
        "not_before": not_before, "expires_at": not_before + hours * HOUR_MS})


@page(routes, "/portal/inspections/{access_id}", "inspection.html", Access.ACCOUNT)
async def access_detail(request: web.Request) -> dict[str, Any]:
    row, views = await call(request, inspections.access, principal(request),
                            request.match_info["access_id"])
    refs = {ref.id: ref.name for ref in await read(request, scope.facilities,
                                                      principal(request))}
    return {"title": f"Inspector access: {row.inspector_name}", "access": row,
            "views": views, "_names": refs}


@routes.post("/portal/inspections/{access_id}/revoke")
@access(Access.ACCOUNT)
async def revoke(request: web.Request) -> web.Response:
    access_id = request.match_info["access_id"]
    await call(request, inspections.revoke, principal(request), access_id)
    await sessions.flash(request, "The access is revoked: the inspector's next request is "
                         "refused.")
    return see_other(f"/portal/inspections/{access_id}")


@routes.get("/portal/inspections/{access_id}/facilities/{facility_id}/bundle.zip")
@access(Access.ACCOUNT)
async def access_log_bundle(request: web.Request) -> web.Response:
    access_id, facility_id = request.match_info["access_id"], request.match_info["facility_id"]
    who = principal(request)
    ref = await read(request, scope.facility, who, facility_id)
    rows = await read(request, inspections.access_log, who, access_id, facility_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["entry", "when", "action", "outcome", "by", "page", "stated purpose"])
    for row in rows:
        detail = row.detail or {}
        writer.writerow([row.seq, when(row.at), row.action, row.outcome, row.actor or "",
                         detail.get("page", ""), detail.get("stated_purpose",
                                                            detail.get("purpose", ""))])
    audit_log = request.app[AUDIT_LOG]
    data = await blocking(request, lambda: audit_log.bundle(
        chain=facility_id, facility_name=ref.name,
        title=f"Inspector access {access_id}: its log at {ref.name}",
        files={"access-log.csv": out.getvalue().encode()},
        entry_seqs=[row.seq for row in rows]))
    name = f"access-{access_id}-{facility_id}.zip"
    return web.Response(body=data, content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
