"""One view, two answers: ``@page`` registers a view once as an HTML page and as
its JSON twin (the same path with ``.json``), under the same access policy, so
what a state system fetches and what a person reads never drift apart.

A view returns a dict. The HTML page renders it with its template (plus the
principal, the CSRF token and a flash message); the JSON twin returns it as
JSON, leaving out keys that start with ``_`` (things only the page needs).
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from ..access import Access, access
from ..state import PRINCIPAL
from . import sessions

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
View = Callable[[web.Request], Awaitable[dict[str, Any]]]


def wants_json(request: web.Request) -> bool:
    return request.path.endswith(".json")


def see_other(location: str) -> web.Response:
    """Redirect after a form (303), so a reload never sends it twice."""
    return web.Response(status=303, headers={"Location": location})


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


async def render(request: web.Request, template: str, data: Mapping[str, Any], *,
                 status: int = 200) -> web.Response:
    session = await get_session(request)
    context = {**data, "principal": request.get(PRINCIPAL),
               "csrf": sessions.ensure_csrf(session), "flash": sessions.pop_flash(session),
               "path": request.path}
    return aiohttp_jinja2.render_template(template, request, context, status=status)


def page(routes: web.RouteTableDef, path: str, template: str,
         policy: Access) -> Callable[[View], View]:
    """Register ``view`` at ``path`` (HTML) and ``path + ".json"`` (its twin)."""

    def register(view: View) -> View:
        @access(policy)
        async def as_json(request: web.Request) -> web.Response:
            return web.json_response(jsonable(await view(request)))

        @access(policy)
        async def as_html(request: web.Request) -> web.Response:
            return await render(request, template, await view(request))

        routes.get(path + ".json")(as_json)
        routes.get(path)(as_html)
        return view

    return register


def when(ms: int | None) -> str:
    """Server times as people read them (UTC, to the minute)."""
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(ms: int | None) -> str:
    return "—" if ms is None else datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
