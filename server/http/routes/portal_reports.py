"""A facility's reports in the portal: the list with a period to choose, and
the downloads — one file (PDF, CSV or the report's JSON, which is also the API a
state system fetches), the same report as a signed bundle, or the
entrance-conference pack. Accounts get them for facilities in their scope,
inspectors for the facilities of their access; outside the scope, 404. Every
download is audited by :func:`server.portal.reports.download` before it is sent;
every inspector page view as any other."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.http.access import Access, access
from server.http.portal.context import call, principal, read, settings
from server.http.portal.pages import page
from server.http.state import AUDIT_LOG
from server.portal import inspector_audit, reports, scope
from server.reports.compliance import facility_now

routes = web.RouteTableDef()


async def _list(request: web.Request, base: str) -> dict[str, Any]:
    who = principal(request)
    ref = await read(request, scope.facility, who, request.match_info["facility_id"])
    now = await read(request, facility_now, ref.id, settings(request).clock())
    start, end = reports.period(now.date(), request.query.get("from"),
                                request.query.get("to"))
    if who.is_inspector:
        await call(request, inspector_audit.record_view, who, ref.id, request.path)
    query = f"?from={start.isoformat()}&to={end.isoformat()}"
    here = f"{base}/facilities/{ref.id}/reports/"

    def links(name: str, formats: tuple[str, ...]) -> dict[str, str]:
        return {fmt: f"{here}{name}.{fmt}{query}" for fmt in formats}

    formats = (*reports.FORMATS, reports.BUNDLE)
    return {
        "title": f"Reports — {ref.name}", "facility": ref,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "reports": [{"name": r.name, "title": r.title, "links": links(r.name, formats)}
                    for r in reports.offered()],
        "pack": {"title": reports.PACK_TITLE, "reports": list(reports.PACK_REPORTS),
                 "link": links(reports.PACK, (reports.BUNDLE,))[reports.BUNDLE]},
        "_inspector": who.is_inspector,
    }


@page(routes, "/portal/facilities/{facility_id}/reports", "reports.html", Access.ACCOUNT)
async def reports_page(request: web.Request) -> dict[str, Any]:
    return await _list(request, "/portal")


@page(routes, "/portal/inspect/facilities/{facility_id}/reports", "reports.html",
      Access.INSPECTOR)
async def reports_page_for_inspector(request: web.Request) -> dict[str, Any]:
    return await _list(request, "/portal/inspect")


async def _download(request: web.Request) -> web.Response:
    who = principal(request)
    now = await read(request, facility_now, request.match_info["facility_id"],
                     settings(request).clock())
    start, end = reports.period(now.date(), request.query.get("from"),
                                request.query.get("to"))
    out = await call(request, reports.download, request.app[AUDIT_LOG], who,
                     request.match_info["facility_id"], request.match_info["file"],
                     start=start, end=end, page=request.path_qs)
    return web.Response(body=out.body, headers={
        "Content-Type": out.content_type,
        "Content-Disposition": f'attachment; filename="{out.filename}"'})


@routes.get("/portal/facilities/{facility_id}/reports/{file}")
@access(Access.ACCOUNT)
async def download(request: web.Request) -> web.Response:
    return await _download(request)


@routes.get("/portal/inspect/facilities/{facility_id}/reports/{file}")
@access(Access.INSPECTOR)
async def download_for_inspector(request: web.Request) -> web.Response:
    return await _download(request)
