"""The aiohttp application: ``create_app(settings)``.

Two middlewares wrap every route:

* ``errors`` turns domain errors into ``{"error": code, "detail": text}``
  msgpack bodies with a 4xx status (400 codec/schema, 401 ``bad_signature``,
  403, 409 ``replayed_message``, 410 ``enrollment_code_invalid``, 413
  ``message_too_large``). Hostile input never produces a 500.
* ``guard`` enforces each route's declared access policy
  (:mod:`server.routes.access`): it reads the body under ``client_max_size``
  (an oversized body is refused with 413 before any decoding), opens the
  envelope with the bounded codec and, for terminal routes, verifies the
  sender. Rejections are audited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from protocol.codec import encode
from protocol.errors import CodecError, MessageTooLarge, ProtocolError, SignatureError
from protocol.signing import open_envelope

from .app_keys import AUTH, ENGINE, ENVELOPE, EXECUTOR, SERVICE, SETTINGS
from .core.service import SyncService
from .errors import ServerError
from .routes import health, sync
from .routes.access import Access, policy_of
from .settings import Settings
from .storage.db import make_engine

log = logging.getLogger(__name__)
MSGPACK = "application/x-msgpack"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, code: str, detail: str) -> web.Response:
    return web.Response(status=status, body=encode({"error": code, "detail": detail}),
                        content_type=MSGPACK)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        await _audit(request, "message_too_large", {})
        return error_response(413, MessageTooLarge.code, "the message is larger than "
                              f"{request.app[SETTINGS].client_max_size} bytes")
    except SignatureError as exc:
        return error_response(401, exc.code, exc.detail)
    except ProtocolError as exc:
        await _audit(request, exc.code, {"detail": exc.detail[:200]})
        return error_response(413 if isinstance(exc, MessageTooLarge) else 400,
                              exc.code, exc.detail)
    except ServerError as exc:
        return error_response(exc.status, exc.code, exc.detail)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        return error_response(exc.status, code, exc.reason)


async def _audit(request: web.Request, outcome: str, detail: dict[str, Any]) -> None:
    """Malformed input is a security event too; the entry goes to ``_system``."""
    service = request.app[SERVICE]
    detail = {**detail, "path": request.path, "peer": request.remote or ""}
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(request.app[EXECUTOR], lambda: service.audit_rejection(
        None, "request:rejected", outcome, detail=detail))


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.http_exception is not None:
        raise request.match_info.http_exception
    policy = policy_of(request.match_info.handler)
    if policy is None:
        log.error("route %s has no access policy; refused", request.path)
        return error_response(403, "not_permitted", "this route is not open to anyone")
    if policy is Access.PUBLIC:
        return await handler(request)
    body = await request.read()
    if not body:
        raise CodecError("the message is empty", code="truncated_message")
    try:
        envelope = open_envelope(body, max_bytes=request.app[SETTINGS].client_max_size)
    except SignatureError:
        await _audit_signature(request, None, "malformed or missing signature")
        raise
    if policy is Access.ENROLLMENT:
        request[ENVELOPE] = envelope
        try:
            return await handler(request)
        except SignatureError:
            await _audit_signature(request, None, "enrollment proof or signature invalid")
            raise
    loop = asyncio.get_running_loop()
    terminal = await loop.run_in_executor(request.app[EXECUTOR],
                                          request.app[SERVICE].authenticate, envelope)
    request[AUTH] = (envelope, terminal)
    return await handler(request)


async def _audit_signature(request: web.Request, chain: str | None, why: str) -> None:
    service = request.app[SERVICE]
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(request.app[EXECUTOR], lambda: service.audit_rejection(
        chain, "auth:rejected", "bad_signature",
        detail={"why": why, "path": request.path, "peer": request.remote or ""}))


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    executor = ThreadPoolExecutor(settings.worker_threads, thread_name_prefix="chartkeep-db")
    app[ENGINE] = engine
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
