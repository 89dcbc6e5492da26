"""``GET /health``: is the server up (for load balancers and the demo script)."""

from __future__ import annotations

from aiohttp import web

from server.http.access import Access, access

routes = web.RouteTableDef()


@routes.get("/health")
@access(Access.PUBLIC)
async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
