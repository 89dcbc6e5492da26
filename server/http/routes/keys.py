"""``POST /v1/keys``: the server's key chain, for terminals that pinned an older key.

Public and unsigned on purpose: a terminal trusts a link only when the key
before it signed it (:func:`protocol.key_rotation.follow`), starting from the
key it pinned at enrollment.
"""

from __future__ import annotations

from aiohttp import web

from protocol.codec import encode
from protocol.key_rotation import chain_to_wire
from server.http.access import Access, access
from server.http.responses import msgpack_response
from server.http.state import SERVICE, blocking

routes = web.RouteTableDef()


@routes.post("/v1/keys")
@access(Access.PUBLIC)
async def keys(request: web.Request) -> web.Response:
    chain = await blocking(request, request.app[SERVICE].key_chain)
    return msgpack_response(encode(chain_to_wire(chain)))
