"""The middleware around every ``/portal`` request: the session cookie (read
before, written after), domain errors turned into pages people can read (or
``{"error", "detail"}`` for the JSON twins), and the security headers.

Headers: a Content-Security-Policy with no script and no inline style at all
(``default-src 'none'``; the server-drawn SVG charts, served as images, may
use their embedded stylesheet), ``frame-ancestors 'none'``, ``nosniff``, no referrer,
``Cache-Control: no-store`` on everything but the stylesheet (pages show
records), and HSTS when the portal is served over TLS.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import session_middleware

from server.errors import ServerError

from ..state import COOKIES, SETTINGS
from . import forms
from .pages import Handler, render, wants_json

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
"""For the server-drawn SVG charts alone, shown as images: their embedded
stylesheet applies; no script, no fetch (an image runs none anyway)."""
STATIC_PREFIX = "/portal/static/"


def is_portal(path: str) -> bool:
    return path == "/portal" or path.startswith(("/portal/", "/portal."))


async def error_page(request: web.Request, status: int, code: str,
                     detail: str) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": code, "detail": detail}, status=status)
    titles = {400: "Please check the form", 401: "Sign in needed", 403: "Not allowed",
              404: "Not found", 405: "Not allowed", 410: "No longer available",
              429: "Too many attempts"}
    return await render(request, "error.html", {"title": titles.get(status, "Problem"),
                                                 "detail": detail, "code": code},
                        status=status)


def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = (CHART_CSP if response.content_type == "image/svg+xml"
                                          else CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith(STATIC_PREFIX):
        headers["Cache-Control"] = "no-store"
    if request.app[SETTINGS].portal_https or request.secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"


@web.middleware
async def portal_edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_portal(request.path):
        return await handler(request)

    async def answered(req: web.Request) -> web.StreamResponse:
        try:
            await forms.refuse_nul(req)
            return await handler(req)
        except ServerError as exc:
            return await error_page(req, exc.status, exc.code, exc.detail)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return await error_page(req, exc.status, exc.reason.lower().replace(" ", "_"),
                                    exc.reason)

    response = await session_middleware(request.app[COOKIES])(request, answered)
    secure_headers(request, response)
    return response
