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
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor

import aiohttp_jinja2
import jinja2
from aiohttp import web

from server.core.audit_log import AuditLog
from server.core.service import SyncService
from server.portal import figures, inspector_audit
from server.settings import Settings
from server.storage.db import WalCheckpoints, make_engine, wal_file

from .middleware import errors, guard
from .portal.edge import portal_edge
from .portal.pages import day, when
from .portal.sessions import cookie_key, cookie_storage
from .request_stats import STATS, RequestStats, timing
from .request_stats import routes as stats_routes
from .routes import (
    health,
    keys,
    portal_accounts,
    portal_audit,
    portal_bulletins,
    portal_compliance,
    portal_copies,
    portal_emergency,
    portal_facilities,
    portal_hiring,
    portal_inspect,
    portal_inspections,
    portal_manage,
    portal_offline,
    portal_people,
    portal_records,
    portal_reports,
    portal_sign_in,
    portal_spending,
    sync,
)
from .state import AUDIT_LOG, COOKIES, EXECUTOR, REFUSED_WRITES, SERVICE, SETTINGS

log = logging.getLogger(__name__)


async def _every(app: web.Application, seconds: float, work: Callable[[], object],
                 what: str) -> None:
    """Run ``work`` on the database threads every ``seconds``; a failed round is
    logged and the loop goes on (any process may do each of these)."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(seconds)
        try:
            await loop.run_in_executor(app[EXECUTOR], work)
        except Exception:  # the loop must outlive one failed round; log.exception says why
            log.exception("%s failed; trying again next round", what)


WAL_CHECK_S = 0.5
"""How often the server looks whether its SQLite WAL changed (and checkpoints it)."""


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # Every worker thread may hold a connection at once (and the periodic rounds
    # run on them too): a pool smaller than the threads made each PostgreSQL
    # process open and close ~100 overflow connections a minute under load.
    engine = make_engine(settings.database_url,
                         pool_size=max(settings.db_pool_size, settings.worker_threads + 1))
    executor = ThreadPoolExecutor(settings.worker_threads, thread_name_prefix="chartkeep-db")
    app[EXECUTOR] = executor
    app[SERVICE] = SyncService(engine, settings)
    app[AUDIT_LOG] = audit_log = AuditLog(engine, settings)
    key = await asyncio.get_running_loop().run_in_executor(executor, audit_log.key)
    app[COOKIES] = cookie_storage(settings, cookie_key(settings, key))
    service = app[SERVICE]
    tasks = [  # checkpoints of logs that grew; aggregated refusals; stale dashboard figures
        asyncio.create_task(_every(app, settings.checkpoint_interval_s, audit_log.publish_due,
                                   "publishing audit checkpoints")),
        asyncio.create_task(_every(app, settings.flood_window_s, service.flush_floods,
                                   "writing aggregated refusals")),
        asyncio.create_task(_every(
            app, settings.figures_interval_s,
            lambda: figures.refresh_stale(service.engine, service.settings),
            "refreshing the dashboard figures")),
        asyncio.create_task(_every(
            app, inspector_audit.WRITE_WINDOW_MS / 1000,
            lambda: inspector_audit.flush_refused_writes(service.engine, service.settings,
                                                         app[REFUSED_WRITES]),
            "writing aggregated inspector write refusals")),
    ]
    wal = wal_file(engine)
    if wal is not None:  # SQLite: the WAL copied into the database off the request path
        tasks.append(asyncio.create_task(_every(app, WAL_CHECK_S, WalCheckpoints(engine, wal).run,
                                                "checkpointing the WAL")))
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
            await asyncio.get_running_loop().run_in_executor(
                executor, lambda: inspector_audit.flush_refused_writes(
                    service.engine, service.settings, app[REFUSED_WRITES], everything=True))
        except Exception:  # shutting down must finish; log.exception says what was lost
            log.exception("writing the last aggregated refusals failed")
        executor.shutdown(wait=True)
        engine.dispose()


def create_app(settings: Settings) -> web.Application:
    # aiohttp-session (2.12) keeps the session under plain string request keys,
    # which aiohttp warns about on every request; the keys are its own and safe.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="aiohttp_session")
    middlewares = [portal_edge, errors, guard]
    if settings.request_stats:  # scripts/load reads the times inside the server
        middlewares.insert(0, timing)
    app = web.Application(middlewares=middlewares, client_max_size=settings.client_max_size)
    app[SETTINGS] = settings
    app[REFUSED_WRITES] = inspector_audit.refused_writes()
    if settings.request_stats:
        app[STATS] = RequestStats()
        app.add_routes(stats_routes)
    app.cleanup_ctx.append(_resources)
    aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("server.http", "templates"),
                         filters={"when": when, "day": day}, trim_blocks=True,
                         lstrip_blocks=True)
    for module in (health, sync, keys, portal_sign_in, portal_facilities, portal_manage,
                   portal_inspections, portal_inspect, portal_accounts, portal_audit,
                   portal_reports, portal_compliance, portal_records, portal_spending,
                   portal_bulletins, portal_copies, portal_emergency, portal_offline,
                   portal_people, portal_hiring):
        app.add_routes(module.routes)
    return app
