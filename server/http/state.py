"""The application's state: typed keys (aiohttp ``AppKey``/``RequestKey``), and
the thread pool every database and signing call goes through."""

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
AUTH = web.RequestKey("auth", tuple[Envelope, TerminalInfo])

R = TypeVar("R")


async def blocking(request: web.Request, fn: Callable[..., R], *args: Any) -> R:
    """Database and signing work runs in the app's thread pool, never on the loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(request.app[EXECUTOR], fn, *args)
