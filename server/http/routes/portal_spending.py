"""A facility's budget and spending in the portal: lines, requests, the journal
of approved spending, budget against actual by line and month (page, JSON twin,
CSV, PDF and a chart), and the regional manager's decision on a request above
the facility's limit (:mod:`server.portal.spending`). The twin, the CSV and the
PDF are audited before they are sent, as every report download
(:mod:`server.portal.spending_files`)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read
from server.http.portal.pages import jsonable, render, see_other
from server.portal import spending, spending_files
from server.portal.principals import PortalRole, Principal
from server.portal.spending_chart import budget_svg

routes = web.RouteTableDef()
FACILITY = "/portal/facilities/{facility_id}"


def _fid(request: web.Request) -> str:
    return request.match_info["facility_id"]


def _money(value: Any) -> str:
    return f"{value:,.2f}" if value is not None else ""


def _view(seen: spending.Spending, who: Principal) -> dict[str, Any]:
    months = [m for m in seen.months if m.actual or m.month[5:] in ("01", "07")]

    def named(actor: str | None) -> str:
        return seen.names.get(actor or "", actor or "")

    return {
        "title": f"Budget and spending — {seen.facility.name}", "facility": seen.facility,
        "limit": str(seen.limit),
        "lines": [{k: str(v) if k in ("committed", "remaining") else v for k, v in ln.items()}
                  for ln in seen.lines],
        "requests": [{**r, "requested_by_name": named(r.get("requested_by")),
                      "decided_by_name": named(r.get("decided_by"))}
                     for r in seen.requests],
        "awaiting_region": [r["id"] for r in seen.awaiting_region],
        "journal": [{"id": s.id, "line_id": s.line_id, "on": s.on, "amount": str(s.amount),
                     "vendor": s.vendor, "decided_by": s.decided_by,
                     "decided_by_name": named(s.decided_by)}
                    for s in seen.journal],
        "budget_vs_actual": [
            {"line_id": m.line.id, "account": f"{m.line.department} — {m.line.account}",
             "month": m.month, "budget": str(m.budget), "actual": str(m.actual),
             "variance": str(m.variance), "cumulative_budget": str(m.cumulative_budget),
             "cumulative_actual": str(m.cumulative_actual)} for m in months],
        "_may_decide": who.role is PortalRole.REGIONAL_MANAGER,
        "_money": _money,
    }


@routes.get(FACILITY + "/spending")
@access(Access.ACCOUNT)
async def spending_page(request: web.Request) -> web.Response:
    who = principal(request)
    seen = await read(request, spending.spending, who, _fid(request))
    return await render(request, "spending.html", _view(seen, who))


@routes.get(FACILITY + "/spending.json")
@access(Access.ACCOUNT)
async def spending_json(request: web.Request) -> web.Response:
    """The page's twin (as :func:`server.http.portal.pages.page` makes one),
    audited as a download before it is sent: it is the page's data to take away."""
    who = principal(request)
    seen = await read(request, spending.spending, who, _fid(request))
    text = json.dumps(jsonable(_view(seen, who)))
    await call(request, spending_files.audit_twin, who, seen, text.encode(),
               page=request.path_qs)
    return web.Response(text=text, content_type="application/json")


async def _budget_file(request: web.Request, fmt: str) -> web.Response:
    out = await call(request, spending_files.budget_download, principal(request),
                     _fid(request), fmt, page=request.path_qs)
    return web.Response(body=out.body, headers={
        "Content-Type": out.content_type,
        "Content-Disposition": f'attachment; filename="{out.filename}"'})


@routes.get(FACILITY + "/spending.csv")
@access(Access.ACCOUNT)
async def spending_csv(request: web.Request) -> web.Response:
    """Budget against actual by line and every month of the fiscal year, written
    as every report's CSV is (:func:`protocol.reports.render.to_csv`); audited
    as every report download."""
    return await _budget_file(request, "csv")


@routes.get(FACILITY + "/spending.pdf")
@access(Access.ACCOUNT)
async def spending_pdf(request: web.Request) -> web.Response:
    """The same rows as the CSV, as a PDF report (page n of N, over-budget months in
    red); audited as every report download."""
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
