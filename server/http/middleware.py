"""The two middlewares that wrap every route.

* ``errors`` turns domain errors into ``{"error": code, "detail": text}``
  msgpack bodies with a 4xx status (400 codec/schema, 401 ``bad_signature``,
  403, 409 ``replayed_message``, 410 ``enrollment_code_invalid``, 413
  ``message_too_large``). Hostile input never produces a 500.
The portal (``/portal``) has its own edge (:mod:`server.http.portal.edge`:
cookies, HTML error pages, security headers) outside these two: ``errors``
lets its requests through untouched and ``guard`` hands its policies to
:mod:`server.http.portal.guard`.

* ``guard`` enforces each route's declared access policy
  (:mod:`server.http.access`): it reads the body under ``client_max_size``
  (an oversized body is refused with 413 before any decoding), opens the
  envelope with the bounded codec and, for terminal routes, has the handler
  verify the sender before anything else (:class:`~.state.AsTerminal`).
  Rejections are audited, per source in aggregate, and a source past
  ``flood_limit`` refusals in an interval is answered 429 with ``Retry-After``
  before its body is read (:mod:`server.core.floods`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from protocol.errors import CodecError, MessageTooLarge, ProtocolError, SignatureError
from protocol.signing import open_envelope
from server.errors import ServerError

from .access import PORTAL_POLICIES, Access, policy_of
from .portal.edge import is_portal
from .portal.guard import portal_guard
from .responses import error_response
from .state import AS_TERMINAL, ENVELOPE, SERVICE, SETTINGS, AsTerminal, blocking

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_portal(request.path):
        return await handler(request)
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
    """Malformed input is a security event too; the entry goes to ``_system``,
    aggregated per source (:mod:`server.core.floods`)."""
    service = request.app[SERVICE]
    detail = {**detail, "path": request.path}
    await blocking(request, lambda: service.refuse(
        _source(request), None, "request:rejected", outcome, detail=detail))


def _source(request: web.Request) -> str:
    return request.remote or ""


def _rate_limited(request: web.Request) -> web.Response | None:
    """429 before the body is read, for a source past its refusals this interval."""
    settings = request.app[SETTINGS]
    wait = request.app[SERVICE].floods.retry_after(_source(request), settings.clock())
    if wait is None:
        return None
    response = error_response(429, "rate_limited", "too many refused requests from this "
                              f"address; try again in {wait} s")
    response.headers["Retry-After"] = str(wait)
    return response


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
    if policy in PORTAL_POLICIES:
        return await portal_guard(request, handler, policy)
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    body = await request.read()
    if not body:
        raise CodecError("the message is empty", code="truncated_message")
    try:
        envelope = open_envelope(body, max_bytes=request.app[SETTINGS].client_max_size)
    except SignatureError:
        await _audit_signature(request, "malformed or missing signature")
        raise
    if policy is Access.ENROLLMENT:
        request[ENVELOPE] = envelope
        try:
            return await handler(request)
        except SignatureError:
            await _audit_signature(request, "enrollment proof or signature invalid")
            raise
    # The sender is authenticated in the handler's own trip to the worker
    # threads (AsTerminal), before its body is decoded; an answer given
    # without that is refused.
    as_terminal = request[AS_TERMINAL] = AsTerminal(request, envelope, _source(request))
    response = await handler(request)
    if not as_terminal.authenticated:
        log.error("route %s answered without authenticating its terminal; refused",
                  request.path)
        return error_response(403, "not_permitted", "this route is not open to anyone")
    return response


async def _audit_signature(request: web.Request, why: str) -> None:
    service = request.app[SERVICE]
    await blocking(request, lambda: service.refuse(
        _source(request), None, "auth:rejected", "bad_signature",
        detail={"why": why, "path": request.path}))
