"""What administrators and regional managers read: the facilities in scope,
one facility (terminals, audit state), its held and rejected operations, open
conflicts, users and settings. Each page has its JSON twin; a facility outside
the reader's scope is not found."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.engine import Connection

from server.http.access import Access, access
from server.http.portal import forms
from server.http.portal.context import call, principal, read, settings
from server.http.portal.pages import page
from server.portal import facilities, figures, scope
from server.portal.principals import Principal
from server.portal.scope import FacilityRef

routes = web.RouteTableDef()
FACILITY = "/portal/facilities/{facility_id}"


def _seq(request: web.Request) -> int:
    seq = forms.digits(request.match_info["seq"])
    if seq is None:
        raise web.HTTPNotFound
    return seq


async def _with_facility(request: web.Request, fn: Any, *args: Any
                         ) -> tuple[FacilityRef, Any]:
    """The facility (in scope, else not found) and ``fn(conn, facility_id, *args)``."""
    who, facility_id = principal(request), request.match_info["facility_id"]

    def load(conn: Connection) -> tuple[FacilityRef, Any]:
        ref = scope.facility(conn, who, facility_id)
        return ref, fn(conn, facility_id, *args)

    return await read(request, load)


@page(routes, "/portal", "dashboard.html", Access.ACCOUNT)
async def dashboard(request: web.Request) -> dict[str, Any]:
    now = settings(request).clock()

    def load(conn: Connection) -> tuple[list[facilities.FacilitySummary],
                                         dict[str, figures.Figures]]:
        rows = facilities.summaries(conn, principal(request), now)
        return rows, figures.kept(conn, [r.id for r in rows], now)

    rows, kept = await read(request, load)
    return {"title": "Facilities", "facilities": rows, "figures": kept,
            "recent_days": facilities.RECENT_DAYS}


def _overview(conn: Connection, facility_id: str, who: Principal, now: int) -> dict[str, Any]:
    summary = facilities.summaries(conn, who, now, only=facility_id)[0]
    return {"summary": summary, "terminals": facilities.terminals(conn, facility_id),
            "audit": facilities.audit_state(conn, facility_id),
            "figures": figures.kept(conn, [facility_id], now).get(facility_id)}


@page(routes, FACILITY, "facility.html", Access.ACCOUNT)
async def facility(request: web.Request) -> dict[str, Any]:
    await read(request, scope.facility, principal(request), request.match_info["facility_id"])
    await call(request, figures.ensure_fresh, request.match_info["facility_id"])
    ref, found = await _with_facility(request, _overview, principal(request),
                                      settings(request).clock())
    return {"title": ref.name, "facility": ref, **found,
            "recent_days": facilities.RECENT_DAYS}


@page(routes, FACILITY + "/held", "held_list.html", Access.ACCOUNT)
async def held_list(request: web.Request) -> dict[str, Any]:
    ref, held = await _with_facility(request, facilities.held)
    return {"title": f"Held operations — {ref.name}", "facility": ref, "held": held}


@page(routes, FACILITY + "/held/{terminal_id}/{seq}", "held_one.html", Access.ACCOUNT)
async def held_one(request: web.Request) -> dict[str, Any]:
    ref, op = await _with_facility(request, facilities.held_one,
                                   request.match_info["terminal_id"], _seq(request))
    return {"title": f"Held operation {op.seq} from {op.terminal_name}", "facility": ref,
            "op": op}


@page(routes, FACILITY + "/rejected", "rejected.html", Access.ACCOUNT)
async def rejected(request: web.Request) -> dict[str, Any]:
    ref, rows = await _with_facility(request, facilities.rejected, settings(request).clock())
    return {"title": f"Rejected operations — {ref.name}", "facility": ref, "rejected": rows,
            "recent_days": facilities.RECENT_DAYS}


@page(routes, FACILITY + "/conflicts", "conflicts.html", Access.ACCOUNT)
async def conflicts(request: web.Request) -> dict[str, Any]:
    ref, rows = await _with_facility(request, facilities.conflicts)
    return {"title": f"Open conflicts — {ref.name}", "facility": ref, "conflicts": rows}


@page(routes, FACILITY + "/users", "users.html", Access.ACCOUNT)
async def users(request: web.Request) -> dict[str, Any]:
    ref, rows = await _with_facility(request, facilities.users)
    return {"title": f"Users — {ref.name}", "facility": ref, "users": rows}


@page(routes, FACILITY + "/settings", "settings.html", Access.ACCOUNT)
async def facility_settings(request: web.Request) -> dict[str, Any]:
    ref, _ = await _with_facility(request, lambda _conn, _fid: None)
    return {"title": f"Settings — {ref.name}", "facility": ref}


@routes.get(FACILITY + "/trend.svg")
@access(Access.ACCOUNT)
async def trend(request: web.Request) -> web.Response:
    """The facility's 14-day staffing trend, as last computed (an image: its
    own content policy lets the chart's embedded stylesheet apply, nothing else)."""
    _, svg = await _with_facility(request, figures.chart)
    if svg is None:
        raise web.HTTPNotFound
    return web.Response(text=svg, content_type="image/svg+xml")
