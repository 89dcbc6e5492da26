"""The aiohttp application: ``create_app(settings)``.

Every route is wrapped by the ``errors`` and ``guard`` middlewares
(:mod:`server.http.middleware`); portal routes also by the portal's edge
(:mod:`server.http.portal.edge`: session cookie, error pages, security
headers). The engine, the thread pool, the sync service, the audit log's
signer and the cookie key are made when the app starts and closed when it
stops (``cleanup_ctx``), so nothing is created at import time. While it runs,
each process publishes audit checkpoints every ``checkpoint_interval_s`` and
refreshes the dashboard figures of facilities that changed every
``figures_interval_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import aiohttp_jinja2
import jinja2
from aiohttp import web

from server.core.audit_log import AuditLog
from server.core.service import SyncService
from server.portal import figures
from server.settings import Settings
from server.storage.db import make_engine

from .middleware import errors, guard
from .portal.edge import portal_edge
from .portal.pages import day, when
from .portal.sessions import cookie_key, cookie_storage
from .routes import (
    health,
    keys,
    portal_accounts,
    portal_audit,
    portal_bulletins,
    portal_compliance,
    portal_facilities,
    portal_inspect,
    portal_inspections,
    portal_manage,
    portal_records,
    portal_reports,
    portal_sign_in,
    portal_spending,
    sync,
)
from .state import AUDIT_LOG, COOKIES, EXECUTOR, SERVICE, SETTINGS

log = logging.getLogger(__name__)


async def _publish_checkpoints(app: web.Application) -> None:
    """Every interval, a checkpoint of each audit log that grew (any process may)."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(app[SETTINGS].checkpoint_interval_s)
        try:
            await loop.run_in_executor(app[EXECUTOR], app[AUDIT_LOG].publish_due)
        except Exception:  # the loop must outlive one failed round; log.exception says why
            log.exception("publishing audit checkpoints failed; trying again next round")


async def _flush_floods(app: web.Application) -> None:
    """Every flood interval, the aggregated audit entries of the one that ended."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(app[SETTINGS].flood_window_s)
        try:
            await loop.run_in_executor(app[EXECUTOR], app[SERVICE].flush_floods)
        except Exception:  # the loop must outlive one failed round; log.exception says why
            log.exception("writing aggregated refusals failed; trying again next round")


async def _refresh_figures(app: web.Application) -> None:
    """Every interval, the dashboard figures of facilities that changed (any process may)."""
    loop = asyncio.get_running_loop()
    service = app[SERVICE]
    while True:
        await asyncio.sleep(app[SETTINGS].figures_interval_s)
        try:
            await loop.run_in_executor(app[EXECUTOR], figures.refresh_stale, service.engine,
                                       service.settings)
        except Exception:  # the loop must outlive one failed round; log.exception says why
            log.exception("refreshing the dashboard figures failed; trying again next round")


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    executor = ThreadPoolExecutor(settings.worker_threads, thread_name_prefix="chartkeep-db")
    app[EXECUTOR] = executor
    app[SERVICE] = SyncService(engine, settings)
    app[AUDIT_LOG] = audit_log = AuditLog(engine, settings)
    key = await asyncio.get_running_loop().run_in_executor(executor, audit_log.key)
    app[COOKIES] = cookie_storage(settings, cookie_key(settings, key))
    tasks = [asyncio.create_task(_publish_checkpoints(app)),
             asyncio.create_task(_flush_floods(app)),
             asyncio.create_task(_refresh_figures(app))]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await asyncio.get_running_loop().run_in_executor(
                executor, lambda: app[SERVICE].flush_floods(everything=True))
        except Exception:  # shutting down must finish; log.exception says what was lost
            log.exception("writing the last aggregated refusals failed")
        executor.shutdown(wait=True)
        engine.dispose()


def create_app(settings: Settings) -> web.Application:
    # aiohttp-session (2.12) keeps the session under plain string request keys,
    # which aiohttp warns about on every request; the keys are its own and safe.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="aiohttp_session")
    app = web.Application(middlewares=[portal_edge, errors, guard],
                          client_max_size=settings.client_max_size)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_resources)
    aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("server.http", "templates"),
                         filters={"when": when, "day": day}, trim_blocks=True,
                         lstrip_blocks=True)
    for module in (health, sync, keys, portal_sign_in, portal_facilities, portal_manage,
                   portal_inspections, portal_inspect, portal_accounts, portal_audit,
                   portal_reports, portal_compliance, portal_records, portal_spending,
                   portal_bulletins):
        app.add_routes(module.routes)
    return app
