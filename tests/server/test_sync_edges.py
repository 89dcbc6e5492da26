"""The sync routes' edges over HTTP, route by route (security.md cases 7-11):
hostile bodies and oversized ones on every route that reads msgpack, the one
answer for unauthenticated messages on every terminal route, a push replayed,
and a push carrying another facility's operation."""

from __future__ import annotations

import msgpack
import pytest

from protocol.codec import decode, encode
from protocol.ids import new_id
from protocol.messages import PullRequest, PushResponse
from protocol.signing import new_private_key, open_envelope, seal
from protocol.terminal_events import EventsRequest
from server import admin
from server.http.app import create_app

from .test_http import HOSTILE as HTTP_HOSTILE
from .test_http import enroll, post

SIGNED_ROUTES = ("/v1/enroll", "/v1/push", "/v1/pull", "/v1/reregister", "/v1/events")
TERMINAL_ROUTES = {"/v1/push": ("push", {"ops": [], "schema": 1}),
                   "/v1/pull": ("pull", PullRequest(0).to_wire()),
                   "/v1/events": ("events", EventsRequest([]).to_wire())}

HOSTILE = {
    # test_http's hostile bodies (there on /v1/push alone), on every sync route; the
    # million empty maps are left to that test (a megabyte a route adds nothing here).
    **{name: case for name, case in HTTP_HOSTILE.items() if name != "a million empty maps"},
    "garbage": (b"\xc1\xc1\xc1 not msgpack", "malformed_message"),
    "empty": (b"", None),
}


@pytest.fixture
async def client(aiohttp_client, engine, settings, world):
    settings.flood_limit = 1_000_000  # each refusal here is about its answer, not floods
    return await aiohttp_client(create_app(settings))




@pytest.mark.parametrize("path", SIGNED_ROUTES)
async def test_every_sync_route_answers_hostile_bodies_with_a_400_and_its_code(
        client, settings, path):
    """security.md case 10 on each route, not only the push: the guard reads and
    decodes every body before any route sees it; an oversized one is refused
    before decoding."""
    for name, (data, code) in HOSTILE.items():
        status, body = await post(client, path, data)
        assert status == 400, (path, name, status)
        answer = decode(body)
        assert set(answer) == {"error", "detail"} and answer["detail"], (path, name)
        assert code is None or answer["error"] == code, (path, name, answer)
    status, body = await post(client, path, b"\xdd" + b"\x00" * settings.client_max_size)
    assert (status, decode(body)["error"]) == (413, "message_too_large")


@pytest.mark.parametrize("path", list(TERMINAL_ROUTES))
async def test_unauthenticated_messages_get_one_answer_on_every_terminal_route(
        client, engine, settings, world, h, path):
    """security.md cases 7 and 11 on push, pull and events alike: a changed byte, no
    signature, another algorithm, an unknown terminal, a wrong key and a revoked
    terminal get the same 401, and the revoked terminal's try is audited."""
    msg_type, body = TERMINAL_ROUTES[path]
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    good = seal(key, msg_type, enrolled.terminal_id, 5, body)
    flipped = bytearray(good.to_bytes())
    flipped[flipped.index(good.nonce) + 3] ^= 0x01
    raw = msgpack.unpackb(good.to_bytes())
    no_sig = {k: v for k, v in raw.items() if k != "sig"}
    attempts = [bytes(flipped), encode(no_sig), encode({**raw, "alg": "rsa-pss"}),
                seal(new_private_key(), msg_type, new_id(), 1, body).to_bytes(),
                seal(new_private_key(), msg_type, enrolled.terminal_id, 6, body).to_bytes()]
    answers = {await post(client, path, data) for data in attempts}
    admin.revoke_terminal(engine, settings, terminal_id=enrolled.terminal_id)
    before = len([a for a in h.audit_rows(engine) if a.outcome == "bad_signature"])
    answers.add(await post(client, path,
                           seal(key, msg_type, enrolled.terminal_id, 7, body).to_bytes()))
    assert len(answers) == 1
    status, payload = answers.pop()
    assert (status, decode(payload)["error"]) == (401, "bad_signature")
    revoked = [a for a in h.audit_rows(engine) if a.outcome == "bad_signature"]
    assert len(revoked) == before + 1
    assert enrolled.terminal_id in tuple(revoked[-1])  # the entry names the terminal
    assert revoked[-1].detail["why"] == "revoked terminal"
    assert revoked[-1].chain == world.a.id


def _op(enrolled, seq, facility_id, mrn):
    return {"id": new_id(), "seq": seq, "type": "create", "fac": facility_id,
            "user": enrolled.user_id, "at": 0, "schema": 1,
            "p": {"kind": "resident", "id": new_id(), "fields": {
                "mrn": mrn, "family_name": "Lee", "given_name": "Ann",
                "birth_date": "1939-05-06", "sex": "female"}}}


async def _push(client, key, enrolled, counter, ops):
    message = seal(key, "push", enrolled.terminal_id, counter, {"ops": ops, "schema": 1})
    status, body = await post(client, "/v1/push", message.to_bytes())
    return status, body, message.to_bytes()


async def test_a_push_with_another_facilitys_operation_rejects_that_one_alone(
        client, engine, settings, world, h):
    """security.md case 9 over HTTP: the operation for facility B is rejected and
    audited in A's chain; the ones beside it apply; nothing reaches B."""
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    ops = [_op(enrolled, 1, world.a.id, "MG1"), _op(enrolled, 2, world.b.id, "OK1"),
           _op(enrolled, 3, world.a.id, "MG2")]
    status, body, _ = await _push(client, key, enrolled, 1, ops)
    assert status == 200
    results = PushResponse.from_wire(open_envelope(body).decoded_body()).results
    assert [(r.status, r.reason) for r in results] == [
        ("applied", None), ("rejected", "not_permitted"), ("applied", None)]
    audited = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.detail.get("op") == ops[1]["id"]]
    assert [(a.outcome, a.detail["reason"]) for a in audited] == [("rejected", "not_permitted")]
    assert not [a for a in h.audit_rows(engine, chain=world.b.id)
                if a.detail.get("op") == ops[1]["id"]]


async def test_a_replayed_push_applies_nothing_and_a_resend_gets_the_original_results(
        client, engine, settings, world, h):
    """security.md case 8 over HTTP: the identical signed push again is refused as
    a replay (409, audited) and applies nothing; the same operations in a new
    message are answered with their original results, applied once."""
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    ops = [_op(enrolled, 1, world.a.id, "MG1"), _op(enrolled, 2, world.a.id, "MG2")]
    status, body, message = await _push(client, key, enrolled, 1, ops)
    first = PushResponse.from_wire(open_envelope(body).decoded_body()).results
    applied = [a for a in h.audit_rows(engine, chain=world.a.id) if a.outcome == "applied"]
    status, body = await post(client, "/v1/push", message)
    assert (status, decode(body)["error"]) == (409, "replayed_message")
    assert [a for a in h.audit_rows(engine) if a.outcome == "replayed_message"]
    status, body, _ = await _push(client, key, enrolled, 2, ops)
    again = PushResponse.from_wire(open_envelope(body).decoded_body()).results
    assert status == 200 and again == first
    assert [r.status for r in again] == ["applied", "applied"]
    assert [a for a in h.audit_rows(engine, chain=world.a.id)
            if a.outcome == "applied"] == applied
