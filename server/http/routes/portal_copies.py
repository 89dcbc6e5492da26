"""Copied terminals: a facility's quarantined terminal identities and, for
each, what its two copies sent, side by side record by record, with a
decision per operation (accept it through the push path, or discard it).
Each page has its JSON twin; the decision form carries the CSRF token; a
facility outside the account's scope, or another facility's terminal, is not
found."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.errors import AdminError
from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read
from server.http.portal.pages import page, see_other
from server.portal import copies, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()
COPIES = "/portal/facilities/{facility_id}/copies"


async def _scoped(request: web.Request, fn: Any, *args: Any) -> tuple[Any, Any]:
    who, facility_id = principal(request), request.match_info["facility_id"]
    return await read(request, lambda conn: (scope.facility(conn, who, facility_id),
                                             fn(conn, facility_id, *args)))


@page(routes, COPIES, "copies_list.html", Access.ACCOUNT)
async def copies_list(request: web.Request) -> dict[str, Any]:
    ref, rows = await _scoped(request, copies.terminals)
    return {"title": f"Copied terminals — {ref.name}", "facility": ref, "terminals": rows}


def _page_number(raw: object) -> int:
    """``?page=N`` (from 1; 1 when absent); anything else is a page that does not exist."""
    if raw is None or raw == "":
        return 1
    number = forms.digits(raw, at_most=9)
    if number is None:
        raise web.HTTPNotFound
    return number


@page(routes, COPIES + "/{terminal_id}", "copies_one.html", Access.ACCOUNT)
async def copies_one(request: web.Request) -> dict[str, Any]:
    ref, found = await _scoped(request, copies.review, request.match_info["terminal_id"],
                               _page_number(request.query.get("page")))
    return {"title": f"Copies of {found.terminal.name}", "facility": ref, "review": found}


@routes.post(COPIES + "/{terminal_id}/{kept_id}")
@access(Access.ACCOUNT)
async def decide(request: web.Request) -> web.Response:
    kept_id = forms.digits(request.match_info["kept_id"])
    if kept_id is None:
        raise web.HTTPNotFound
    facility_id, terminal_id = request.match_info["facility_id"], request.match_info["terminal_id"]
    # Outside the account's scope the answer is 404 whatever the form says.
    who = principal(request)
    await read(request, lambda conn: scope.facility(conn, who, facility_id))
    form = await forms.read(request)
    decision = form.get("decision")
    if decision not in ("accept", "discard"):
        raise InputInvalid("decision", "Choose accept or discard.")
    back = f"/portal/facilities/{facility_id}/copies/{terminal_id}"
    on_page = form.get("page")  # back to the page the decision was made on
    page_number = forms.digits(on_page, at_most=9)
    if page_number is not None and page_number > 1:
        back += f"?page={page_number}"
    try:
        result = await call(request, copies.decide, principal(request),
                            facility_id=facility_id, terminal_id=terminal_id,
                            kept_id=kept_id, accept=decision == "accept")
    except AdminError as exc:
        if exc.status == 404:
            raise
        await sessions.flash(request, exc.detail)
        return see_other(back)
    said = "discarded" if result.review == "discarded" else (
        f"accepted: {result.review}" + (f" ({result.reason})" if result.reason else ""))
    await sessions.flash(request, f"Operation {result.seq} of this terminal {said}.")
    return see_other(back)
