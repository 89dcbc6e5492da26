"""A terminal request's work runs in one trip to the worker threads, the sender
authenticated first in that trip; the guard refuses an answer given without it."""

from aiohttp import web

from protocol.codec import decode
from protocol.ids import new_id
from protocol.messages import PullRequest
from protocol.signing import seal
from server.http.access import Access, access
from server.http.app import create_app
from server.http.state import EXECUTOR

from .test_http import enroll, post


def _push_body(world, enrolled):
    op = {"id": new_id(), "seq": 1, "type": "create", "fac": world.a.id,
          "user": enrolled.user_id, "at": 0, "schema": 1,
          "p": {"kind": "resident", "id": new_id(), "fields": {
              "mrn": "MG1", "family_name": "Lee", "given_name": "Ann",
              "birth_date": "1939-05-06", "sex": "female"}}}
    return {"ops": [op], "schema": 1}


async def test_a_push_and_a_pull_are_one_trip_each(aiohttp_client, engine, settings, world,
                                                   monkeypatch):
    client = await aiohttp_client(create_app(settings))
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    executor = client.server.app[EXECUTOR]
    trips = []
    submit = executor.submit

    def counted(fn, *args, **kwargs):
        trips.append(fn)
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(executor, "submit", counted)
    push = seal(key, "push", enrolled.terminal_id, 1, _push_body(world, enrolled))
    status, body = await post(client, "/v1/push", push.to_bytes())
    assert status == 200, decode(body)
    assert len(trips) == 1
    pull = seal(key, "pull", enrolled.terminal_id, 2, PullRequest(0).to_wire())
    status, body = await post(client, "/v1/pull", pull.to_bytes())
    assert status == 200, decode(body)
    assert len(trips) == 2


async def test_a_terminal_route_answering_without_authenticating_is_refused(
        aiohttp_client, engine, settings, world, h):
    app = create_app(settings)
    ran = []

    @access(Access.TERMINAL)
    async def careless(request: web.Request) -> web.Response:
        ran.append(request.path)
        return web.Response(body=b"")

    app.router.add_post("/v1/careless", careless)
    client = await aiohttp_client(app)
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    envelope = seal(key, "pull", enrolled.terminal_id, 1, PullRequest(0).to_wire())
    status, body = await post(client, "/v1/careless", envelope.to_bytes())
    assert ran == ["/v1/careless"]
    assert (status, decode(body)["error"]) == (403, "not_permitted")
    # a stranger's request to it is refused the same way, not answered
    stranger = seal(key, "pull", new_id(), 1, PullRequest(0).to_wire())
    status, body = await post(client, "/v1/careless", stranger.to_bytes())
    assert status == 403


def test_a_terminal_trip_leaves_no_cycle_through_its_request() -> None:
    """The request (and the push body it holds) is freed as soon as it is done
    with, by reference counting: a cycle through it waited for a full collection,
    rare with the server's collector settings, and the server's memory grew with
    every push."""
    import gc
    import weakref

    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from server.http.state import AS_TERMINAL, AsTerminal

    app = web.Application()
    gc.disable()
    try:
        request = make_mocked_request("POST", "/v1/push", app=app)
        request[AS_TERMINAL] = AsTerminal(request, None, "127.0.0.1")  # type: ignore[arg-type]
        gone = weakref.ref(request)
        del request
        assert gone() is None
    finally:
        gc.enable()
