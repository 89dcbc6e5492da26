"""A facility's budget and spending in the portal: lines, requests, the journal
of approved spending, budget against actual by line and month (page, JSON twin,
CSV and a chart), and the regional manager's decision on a request above the
facility's limit (:mod:`server.portal.spending`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read, settings
from server.http.portal.pages import page, see_other
from server.portal import spending
from server.portal.principals import PortalRole
from server.portal.reports import FORMATS
from server.portal.spending_chart import budget_svg

routes = web.RouteTableDef()
FACILITY = "/portal/facilities/{facility_id}"


def _fid(request: web.Request) -> str:
    return request.match_info["facility_id"]


def _money(value: Any) -> str:
    return f"{value:,.2f}" if value is not None else ""


@page(routes, FACILITY + "/spending", "spending.html", Access.ACCOUNT)
async def spending_page(request: web.Request) -> dict[str, Any]:
    who = principal(request)
    seen = await read(request, spending.spending, who, _fid(request))
    months = [m for m in seen.months if m.actual or m.month[5:] in ("01", "07")]
    return {
        "title": f"Budget and spending — {seen.facility.name}", "facility": seen.facility,
        "limit": str(seen.limit),
        "lines": [{k: str(v) if k in ("committed", "remaining") else v for k, v in ln.items()}
                  for ln in seen.lines],
        "requests": [{**r, "decided_by_name": seen.names.get(r.get("decided_by") or "", "")}
                     for r in seen.requests],
        "awaiting_region": [r["id"] for r in seen.awaiting_region],
        "journal": [{"id": s.id, "line_id": s.line_id, "on": s.on, "amount": str(s.amount),
                     "vendor": s.vendor, "decided_by": s.decided_by,
                     "decided_by_name": seen.names.get(s.decided_by, s.decided_by)}
                    for s in seen.journal],
        "budget_vs_actual": [
            {"line_id": m.line.id, "account": f"{m.line.department} — {m.line.account}",
             "month": m.month, "budget": str(m.budget), "actual": str(m.actual),
             "variance": str(m.variance), "cumulative_budget": str(m.cumulative_budget),
             "cumulative_actual": str(m.cumulative_actual)} for m in months],
        "_may_decide": who.role is PortalRole.REGIONAL_MANAGER,
        "_money": _money,
    }


async def _budget_file(request: web.Request, fmt: str) -> web.Response:
    data = await read(request, spending.budget_file, principal(request), _fid(request),
                      settings(request).clock(), fmt)
    return web.Response(body=data, headers={
        "Content-Type": FORMATS[fmt],
        "Content-Disposition": f'attachment; filename="budget-vs-actual.{fmt}"'})


@routes.get(FACILITY + "/spending.csv")
@access(Access.ACCOUNT)
async def spending_csv(request: web.Request) -> web.Response:
    """Budget against actual by line and every month of the fiscal year, written
    as every report's CSV is (:func:`protocol.reports.render.to_csv`)."""
    return await _budget_file(request, "csv")


@routes.get(FACILITY + "/spending.pdf")
@access(Access.ACCOUNT)
async def spending_pdf(request: web.Request) -> web.Response:
    """The same rows as the CSV, as a PDF report (page n of N, over-budget months in red)."""
    return await _budget_file(request, "pdf")


@routes.get(FACILITY + "/spending.svg")
@access(Access.ACCOUNT)
async def spending_chart(request: web.Request) -> web.Response:
    seen = await read(request, spending.spending, principal(request), _fid(request))
    if not seen.months:
        raise web.HTTPNotFound
    return web.Response(text=budget_svg(seen.months, seen.facility.name),
                        content_type="image/svg+xml")


@routes.post(FACILITY + "/spending/limit")
@access(Access.ACCOUNT)
async def set_limit(request: web.Request) -> web.Response:
    form = await forms.read(request)
    limit = forms.text(form, "limit", limit=20, required=False)  # checked after the scope
    await call(request, spending.set_limit, principal(request), facility_id=_fid(request),
               limit=limit)
    await sessions.flash(request, "Approval limit saved; the facility's terminals apply it "
                         "from their next sync.")
    return see_other(f"/portal/facilities/{_fid(request)}/spending")


@routes.post(FACILITY + "/spending/{expenditure_id}")
@access(Access.ACCOUNT)
async def decide(request: web.Request) -> web.Response:
    form = await forms.read(request)
    decision = {"approve": "approved", "refuse": "refused"}.get(str(form.get("decision")), "")
    reason = forms.text(form, "reason", limit=400, required=False)
    await call(request, spending.decide, principal(request), facility_id=_fid(request),
               expenditure_id=request.match_info["expenditure_id"], decision=decision,
               reason=reason)
    await sessions.flash(request, f"Expenditure request {decision}; the facility's terminals "
                         "receive the decision at their next sync.")
    return see_other(f"/portal/facilities/{_fid(request)}/spending")
