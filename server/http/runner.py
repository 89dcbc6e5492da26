"""Run the real server: in a background thread (tests, demo, benchmark) or in
the foreground until SIGINT/SIGTERM (``chartkeep-server serve``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import ssl
import threading
from types import TracebackType

from aiohttp import web

from protocol.plain_http import is_loopback
from server.errors import AdminError
from server.settings import Settings
from server.storage.db import make_engine
from server.storage.setup import initialise

from .app import create_app


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The server's TLS context when it has a certificate and key (TLS 1.2 at least),
    else None (plain HTTP: loopback or behind a TLS proxy)."""
    if settings.tls_cert is None and settings.tls_key is None:
        return None
    if settings.tls_cert is None or settings.tls_key is None:
        raise AdminError("TLS needs both --tls-cert and --tls-key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise AdminError(f"cannot use the TLS certificate {settings.tls_cert} and key "
                         f"{settings.tls_key}: {exc}") from None
    return context


GC_THRESHOLDS = (50_000, 20, 20)
"""A push allocates a few dicts per field of every operation, nearly none of them
in cycles: with Python's default (700, 10, 10) a 1,000-operation batch ran
dozens of young collections, each walking the batch's live objects."""


def tune_gc() -> None:
    """After start-up: move what start-up made (modules, tables, templates) out of
    the collector's sight and collect young objects less often. Called by the
    server process (and the benchmark, which hosts the server in its own)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _initialise(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        initialise(engine, settings)
    finally:
        engine.dispose()


class ServerThread:
    """The aiohttp app on 127.0.0.1 (ephemeral port by default) in a thread
    with its own event loop. Use as a context manager, or ``start``/``stop``.
    """

    def __init__(self, settings: Settings, *, host: str = "127.0.0.1", port: int = 0,
                 init: bool = True) -> None:
        self.settings = settings
        self.host = host
        self.port = port
        self.init = init
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.settings.tls_cert is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        if self.init:
            _initialise(self.settings)
        self._thread = threading.Thread(target=self._run, name="chartkeep-server", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError("the server did not start") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        runner = web.AppRunner(create_app(self.settings), access_log=None, shutdown_timeout=5)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port,
                               ssl_context=tls_context(self.settings))
            await site.start()
            if self.port == 0:
                self.port = runner.addresses[0][1]
            self._ready.set()
            await self._stopped.wait()
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, _exc_type: type[BaseException] | None, _exc: BaseException | None,
                 _tb: TracebackType | None) -> None:
        self.stop()


def check_plain_http(settings: Settings, context: ssl.SSLContext | None) -> None:
    """Plain HTTP only on this machine (:mod:`protocol.plain_http`): without a
    certificate, another address is refused unless ``portal_https`` says a
    TLS-terminating proxy is in front (``CHARTKEEP_SERVER_PORTAL_HTTPS=1``)."""
    if context is None and not settings.portal_https and not is_loopback(settings.host):
        raise AdminError(f"will not serve plain HTTP on {settings.host or 'every address'}: "
                         "plain HTTP only on this machine (127.0.0.1). Give --tls-cert and "
                         "--tls-key, or, behind a TLS-terminating proxy, set "
                         "CHARTKEEP_SERVER_PORTAL_HTTPS=1")


def serve_forever(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM, then finish in-flight requests and stop."""

    context = tls_context(settings)  # a bad certificate stops here, before binding
    check_plain_http(settings, context)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        runner = web.AppRunner(create_app(settings), shutdown_timeout=10)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, ssl_context=context)
        await site.start()
        scheme = "https" if context is not None else "http"
        tune_gc()
        print(f"chartkeep-server listening on {scheme}://{settings.host}:{settings.port}",  # noqa: T201  the operator reads this on the console
              flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())
