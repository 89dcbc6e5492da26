"""The application's state: typed keys (aiohttp ``AppKey``/``RequestKey``), the
thread pool every database and signing call goes through, and the one trip to
it a terminal request makes (:class:`AsTerminal`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from protocol.signing import Envelope
from server.core.audit_log import AuditLog
from server.core.authentication import TerminalInfo
from server.core.floods import FloodGate
from server.core.service import SyncService
from server.portal.principals import Principal
from server.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SERVICE = web.AppKey("service", SyncService)
EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)

COOKIES = web.AppKey("portal_cookies", EncryptedCookieStorage)
AUDIT_LOG = web.AppKey("audit_log", AuditLog)
REFUSED_WRITES = web.AppKey("inspector_refused_writes", FloodGate)
"""This process's tally of refused inspector writes (audited in bounded form)."""

ENVELOPE = web.RequestKey("envelope", Envelope)
PRINCIPAL = web.RequestKey("principal", Principal)
"""The portal's signed-in account or inspector (set by the portal guard)."""

R = TypeVar("R")


async def blocking(request: web.Request, fn: Callable[..., R], *args: Any) -> R:
    """Database and signing work runs in the app's thread pool, never on the loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(request.app[EXECUTOR], fn, *args)


class AsTerminal:
    """A terminal route's work, run as the terminal that signed the request.

    The guard (:mod:`server.http.middleware`) gives each ``terminal`` route one
    of these: awaiting it authenticates the envelope's sender (known, unrevoked,
    its key's signature; a refusal audited per source) and then runs the work
    with that terminal, in one trip to the worker threads. A request's
    authentication, decoding, transaction and sealed answer used to be three
    trips, each waking the event loop again; at 100 terminals that was a tenth
    of the server's CPU. The guard refuses an answer given without it.

    It keeps the application, never the request, which keeps it: a cycle
    through the request would hold each request's body (a push batch, up to
    megabytes) until a full collection, rare with the server's collector
    settings (``tune_gc``); 100,000 pushed operations left 60 MiB more resident.
    """

    def __init__(self, request: web.Request, envelope: Envelope, source: str) -> None:
        self._app = request.app
        self._envelope = envelope
        self._source = source
        self.authenticated = False

    async def __call__(self, work: Callable[[Envelope, TerminalInfo], R]) -> R:
        service = self._app[SERVICE]
        envelope, source = self._envelope, self._source

        def run() -> R:
            terminal = service.authenticate(envelope, source)
            self.authenticated = True
            return work(envelope, terminal)

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._app[EXECUTOR], run)


AS_TERMINAL = web.RequestKey("as_terminal", AsTerminal)
