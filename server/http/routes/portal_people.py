"""The region's staff overdue for in-service training or a performance review
(and the JSON twin)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.http.access import Access
from server.http.portal.context import principal, read, settings
from server.http.portal.pages import page
from server.portal import people_due

routes = web.RouteTableDef()


@page(routes, "/portal/training", "people_due.html", Access.ACCOUNT)
async def training(request: web.Request) -> dict[str, Any]:
    found = await read(request, people_due.region_people_due, principal(request),
                       settings(request).clock())
    return {"title": "Training and reviews overdue", "rows": found.rows,
            "not_counted": found.not_counted, "stale": found.stale}
