"""The sync API: ``/v1/enroll``, ``/v1/push``, ``/v1/pull``, ``/v1/reregister``,
``/v1/events``.

The guard middleware (:mod:`server.http.middleware`) has already read the body
under the size cap, opened the envelope and, for ``terminal`` routes, verified
the sender. Handlers decode the body strictly, hand the work to the synchronous
:class:`~server.core.service.SyncService` in a worker thread, and answer with
an envelope signed by the server whose ``re`` is the request's digest.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from protocol.errors import SchemaError
from protocol.messages import (
    EnrollRequest,
    PullRequest,
    PullResponse,
    PushRequest,
    ReregisterRequest,
)
from protocol.signing import Envelope
from protocol.terminal_events import EventsRequest, kept_to_wire
from server.core.service import SyncService
from server.http.access import Access, access
from server.http.responses import msgpack_response
from server.http.state import AUTH, ENVELOPE, SERVICE, blocking

routes = web.RouteTableDef()


def _expect(envelope: Envelope, msg_type: str) -> None:
    if envelope.msg_type != msg_type:
        raise SchemaError(f"this route takes a {msg_type!r} message")


async def answer(request: web.Request, msg_type: str, body: Any, envelope: Envelope
                 ) -> web.Response:
    service = request.app[SERVICE]
    data = await blocking(request, service.seal, msg_type, body, envelope.digest)
    return msgpack_response(data)


@routes.post("/v1/enroll")
@access(Access.ENROLLMENT)
async def enroll(request: web.Request) -> web.Response:
    envelope = request[ENVELOPE]
    _expect(envelope, "enroll")
    body = EnrollRequest.from_wire(envelope.decoded_body())
    result = await blocking(request, request.app[SERVICE].enroll, envelope, body)
    return await answer(request, "enrolled", result.to_wire(), envelope)


@routes.post("/v1/push")
@access(Access.TERMINAL)
async def push(request: web.Request) -> web.Response:
    envelope, terminal = request[AUTH]
    _expect(envelope, "push")
    body = PushRequest.from_wire(envelope.decoded_body())
    result = await blocking(request, request.app[SERVICE].push, terminal, envelope, body)
    return await answer(request, "pushed", result.to_wire(), envelope)


@routes.post("/v1/pull")
@access(Access.TERMINAL)
async def pull(request: web.Request) -> web.Response:
    envelope, terminal = request[AUTH]
    _expect(envelope, "pull")
    body = PullRequest.from_wire(envelope.decoded_body())
    service = request.app[SERVICE]
    result = await blocking(request, service.pull, terminal, envelope, body)
    # Encoding a page of snapshots splices stored bytes; signing a few MiB: both
    # off the event loop.
    data = await blocking(request, _seal_pulled, service, result, envelope.digest)
    return msgpack_response(data)


def _seal_pulled(service: SyncService, result: PullResponse, reply_to: bytes) -> bytes:
    return service.seal_encoded("pulled", result.to_bytes(), reply_to)


@routes.post("/v1/reregister")
@access(Access.ENROLLMENT)  # the handler checks the certificate and the signature
async def reregister(request: web.Request) -> web.Response:
    envelope = request[ENVELOPE]
    _expect(envelope, "reregister")
    body = ReregisterRequest.from_wire(envelope.decoded_body())
    terminal_id = await blocking(request, request.app[SERVICE].reregister, envelope, body)
    return await answer(request, "reregistered",
                        {"terminal": terminal_id, "time": request.app[SERVICE].settings.clock()},
                        envelope)


@routes.post("/v1/events")
@access(Access.TERMINAL)
async def events(request: web.Request) -> web.Response:
    """Sign-ins the terminal refused or saw fail while offline (its local audit)."""
    envelope, terminal = request[AUTH]
    _expect(envelope, "events")
    body = EventsRequest.from_wire(envelope.decoded_body())
    through = await blocking(request, request.app[SERVICE].keep_events, terminal, envelope,
                             body)
    return await answer(request, "events_kept", kept_to_wire(through), envelope)
