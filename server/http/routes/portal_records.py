"""The records department across the region: due and overdue requests for
records, amendment requests and completeness reviews (and the JSON twin)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.http.access import Access
from server.http.portal.context import principal, read, settings
from server.http.portal.pages import page
from server.portal import records_due

routes = web.RouteTableDef()


@page(routes, "/portal/records", "records_due.html", Access.ACCOUNT)
async def records(request: web.Request) -> dict[str, Any]:
    rows = await read(request, records_due.region_due, principal(request),
                      settings(request).clock())
    return {"title": "Records requests due", "rows": rows,
            "overdue": sum(1 for r in rows if r.overdue)}
