"""The aiohttp application: ``create_app(settings)``.

Every route is wrapped by the ``errors`` and ``guard`` middlewares
(:mod:`server.http.middleware`). The engine, the thread pool and the sync
service are made when the app starts and closed when it stops
(``cleanup_ctx``), so nothing is created at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from server.core.service import SyncService
from server.settings import Settings
from server.storage.db import make_engine

from .middleware import errors, guard
from .routes import health, sync
from .state import EXECUTOR, SERVICE, SETTINGS


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    executor = ThreadPoolExecutor(settings.worker_threads, thread_name_prefix="chartkeep-db")
    app[EXECUTOR] = executor
    app[SERVICE] = SyncService(engine, settings)
    try:
        yield
    finally:
        executor.shutdown(wait=True)
        engine.dispose()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[errors, guard],
                          client_max_size=settings.client_max_size)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_resources)
    app.add_routes(health.routes)
    app.add_routes(sync.routes)
    return app
