"""The sync API: ``/v1/enroll``, ``/v1/push``, ``/v1/pull``, ``/v1/reregister``,
``/v1/events``.

The guard middleware (:mod:`server.http.middleware`) has already read the body
under the size cap and opened the envelope. A ``terminal`` route's work runs in
one trip to the worker threads (:class:`~server.http.state.AsTerminal`): the
sender is verified, then the body decoded strictly, the synchronous
:class:`~server.core.service.SyncService` does the work, and the answer is an
envelope signed by the server whose ``re`` is the request's digest.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from protocol.errors import SchemaError
from protocol.messages import EnrollRequest, PullRequest, PushRequest, ReregisterRequest
from protocol.signing import Envelope
from protocol.terminal_events import EventsRequest, kept_to_wire
from server.core.authentication import TerminalInfo
from server.http.access import Access, access
from server.http.responses import msgpack_response
from server.http.state import AS_TERMINAL, ENVELOPE, SERVICE, blocking

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
    service = request.app[SERVICE]

    def work(envelope: Envelope, terminal: TerminalInfo) -> bytes:
        _expect(envelope, "push")
        body = PushRequest.from_wire(envelope.decoded_body())
        result = service.push(terminal, envelope, body)
        return service.seal("pushed", result.to_wire(), envelope.digest)

    return msgpack_response(await request[AS_TERMINAL](work))


@routes.post("/v1/pull")
@access(Access.TERMINAL)
async def pull(request: web.Request) -> web.Response:
    service = request.app[SERVICE]

    def work(envelope: Envelope, terminal: TerminalInfo) -> bytes:
        _expect(envelope, "pull")
        body = PullRequest.from_wire(envelope.decoded_body())
        result = service.pull(terminal, envelope, body)
        # The page's snapshots are stored bytes, spliced in as they are.
        return service.seal_encoded("pulled", result.to_bytes(), envelope.digest)

    return msgpack_response(await request[AS_TERMINAL](work))


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
    service = request.app[SERVICE]

    def work(envelope: Envelope, terminal: TerminalInfo) -> bytes:
        _expect(envelope, "events")
        body = EventsRequest.from_wire(envelope.decoded_body())
        through = service.keep_events(terminal, envelope, body)
        return service.seal("events_kept", kept_to_wire(through), envelope.digest)

    return msgpack_response(await request[AS_TERMINAL](work))
