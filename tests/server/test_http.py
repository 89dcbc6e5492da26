"""The real aiohttp app: access policies, signatures, replays, hostile bodies."""

import http.client
import io

import msgpack
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from protocol.codec import decode, encode
from protocol.ids import new_id
from protocol.messages import (
    EnrollRequest,
    EnrollResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from protocol.signing import (
    Envelope,
    new_private_key,
    open_envelope,
    prove_possession,
    public_bytes,
    seal,
)
from server import admin
from server.http.access import policy_of
from server.http.app import create_app
from server.http.runner import ServerThread
from server.http.state import SERVICE

MSGPACK = {"Content-Type": "application/x-msgpack"}


@pytest.fixture
async def client(aiohttp_client, engine, settings, world):
    return await aiohttp_client(create_app(settings))


async def post(client, path, data):
    response = await client.post(path, data=io.BytesIO(data), headers=MSGPACK)
    return response.status, await response.read()


async def enroll(client, engine, settings, facility_id, username):
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=facility_id)
    request = EnrollRequest(code, "desk", public_bytes(key), prove_possession(key, code),
                            username)
    envelope = seal(key, "enroll", "new", 0, request.to_wire())
    status, body = await post(client, "/v1/enroll", envelope.to_bytes())
    assert status == 200, decode(body)
    answer = open_envelope(body)
    response = EnrollResponse.from_wire(answer.decoded_body())
    answer.verify(response.server_public_key)
    assert answer.reply_to == envelope.digest
    return key, response


def security_events(h, engine, outcome):
    return [a for a in h.audit_rows(engine) if a.outcome == outcome]


async def test_health(client):
    response = await client.get("/health")
    assert (response.status, await response.json()) == (200, {"status": "ok"})


def test_every_route_declares_an_access_policy(settings):
    app = create_app(settings)
    routes = list(app.router.routes())
    assert len(routes) >= 4
    missing = [r.resource.canonical for r in routes if policy_of(r.handler) is None
               and r.method != "HEAD"]
    assert missing == []


async def test_a_route_without_policy_is_refused(aiohttp_client, settings, engine):
    app = create_app(settings)

    async def naked(_request):
        return web.Response(text="secret")

    app.router.add_get("/naked", naked)
    assert policy_of(naked) is None
    response = await (await aiohttp_client(app)).get("/naked")
    assert response.status == 403
    assert decode(await response.read())["error"] == "not_permitted"


async def test_push_and_pull_round_trip_signed_by_the_server(client, engine, settings, world):
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    op = {"id": new_id(), "seq": 1, "type": "create", "fac": world.a.id,
          "user": enrolled.user_id, "at": 0, "schema": 1,
          "p": {"kind": "resident", "id": new_id(), "fields": {
              "mrn": "MG1", "family_name": "Lee", "given_name": "Ann",
              "birth_date": "1939-05-06", "sex": "female"}}}
    envelope = seal(key, "push", enrolled.terminal_id, 1, {"ops": [op], "schema": 1})
    status, body = await post(client, "/v1/push", envelope.to_bytes())
    assert status == 200
    answer = open_envelope(body)
    answer.verify(enrolled.server_public_key)
    assert answer.reply_to == envelope.digest
    pushed = PushResponse.from_wire(answer.decoded_body())
    assert [r.status for r in pushed.results] == ["applied"]
    envelope = seal(key, "pull", enrolled.terminal_id, 2, PullRequest(0).to_wire())
    status, body = await post(client, "/v1/pull", envelope.to_bytes())
    pulled = PullResponse.from_wire(open_envelope(body).decoded_body())
    assert op["p"]["id"] in {c.record_id for c in pulled.changes}


async def test_unauthenticated_messages_get_one_identical_answer(client, engine, settings,
                                                                world, h):
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    body = PushRequest([]).to_wire()
    good = seal(key, "push", enrolled.terminal_id, 5, body)
    flipped = bytearray(good.to_bytes())
    flipped[flipped.index(good.nonce) + 3] ^= 0x01  # a signed byte, format intact
    raw = msgpack.unpackb(good.to_bytes())
    no_sig = dict(raw)
    del no_sig["sig"]
    other_alg = {**raw, "alg": "rsa-pss"}
    unknown = seal(new_private_key(), "push", new_id(), 1, body).to_bytes()
    wrong_key = seal(new_private_key(), "push", enrolled.terminal_id, 6, body).to_bytes()
    attempts = [bytes(flipped), encode(no_sig), encode(other_alg), unknown, wrong_key]
    before = len(security_events(h, engine, "bad_signature"))
    answers = [await post(client, "/v1/push", data) for data in attempts]
    assert len(set(answers)) == 1
    status, payload = answers[0]
    assert status == 401
    assert decode(payload)["error"] == "bad_signature"
    # The source's first refusal is audited at once, and so is one naming an enrolled
    # terminal (the wrong key); the rest are counted into one entry when the interval
    # ends (here: forced, as at shut-down).
    assert len(security_events(h, engine, "bad_signature")) == before + 2
    client.server.app[SERVICE].flush_floods(everything=True)
    [flood] = security_events(h, engine, "aggregated")
    assert flood.detail["by_reason"] == {"bad_signature": len(attempts)}
    admin.revoke_terminal(engine, settings, terminal_id=enrolled.terminal_id)
    revoked = seal(key, "push", enrolled.terminal_id, 7, body).to_bytes()
    assert await post(client, "/v1/push", revoked) == answers[0]
    assert len(security_events(h, engine, "bad_signature")) == before + 3


async def test_replayed_message_is_refused_and_audited(client, engine, settings, world, h):
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    message = seal(key, "pull", enrolled.terminal_id, 3, PullRequest(0).to_wire()).to_bytes()
    assert (await post(client, "/v1/pull", message))[0] == 200
    status, body = await post(client, "/v1/pull", message)
    assert (status, decode(body)["error"]) == (409, "replayed_message")
    older = seal(key, "pull", enrolled.terminal_id, 2, PullRequest(0).to_wire()).to_bytes()
    assert (await post(client, "/v1/pull", older))[0] == 409
    assert len(security_events(h, engine, "replayed_message")) == 2


async def test_enrollment_codes_are_single_use_short_lived_and_bound(client, engine,
                                                                    settings, world, clock):
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=world.a.id, ttl_hours=1)

    def message(username, code=code):
        request = EnrollRequest(code, "desk", public_bytes(key), prove_possession(key, code),
                                username)
        return seal(key, "enroll", "new", 0, request.to_wire()).to_bytes()

    status, body = await post(client, "/v1/enroll", message("clerk_OK"))
    assert (status, decode(body)["error"]) == (403, "not_permitted")
    assert (await post(client, "/v1/enroll", message("clerk_MG")))[0] == 200
    status, body = await post(client, "/v1/enroll", message("clerk_MG"))
    assert (status, decode(body)["error"]) == (410, "enrollment_code_invalid")
    late = admin.issue_code(engine, settings, facility_id=world.a.id, ttl_hours=1)
    clock.advance(3600 * 1000 + 1)
    assert (await post(client, "/v1/enroll", message("clerk_MG", late)))[0] == 410
    assert (await post(client, "/v1/enroll", message("clerk_MG", "NOPE-NOPE-NOPE")))[0] == 410


async def test_oversized_body_is_413(client, settings):
    status, body = await post(client, "/v1/push", b"\x00" * (settings.client_max_size + 1))
    assert (status, decode(body)["error"]) == (413, "message_too_large")


HOSTILE = {
    "array header claiming 4 billion items": (b"\xdd\xff\xff\xff\xff", "too_many_items"),
    "a million empty maps": (b"\xdd\x00\x0f\x42\x40" + b"\x80" * 1_000_000,
                             "too_many_items"),
    "deep nesting": (b"\x91" * 200 + b"\xc0", "nesting_too_deep"),
    "non-string map key": (encode({1: 2}), "non_string_key"),
    "ext type": (b"\xd4\x01\x00", "ext_type_not_allowed"),
    "trailing bytes": (encode({"v": 1}) + b"\x00", "trailing_bytes"),
    "truncated": (encode({"v": 1, "type": "push"})[:-2], "truncated_message"),
    "invalid utf-8": (b"\x81\xa1v\xa2\xff\xfe", "invalid_utf8"),
    "unknown envelope field": (encode({"v": 1, "evil": 1}), "invalid_message"),
    "not a map": (encode([1, 2, 3]), "invalid_message"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_bodies_get_400_with_a_code(client, name):
    data, code = HOSTILE[name]
    status, body = await post(client, "/v1/push", data)
    assert status == 400
    assert decode(body)["error"] == code


async def test_an_id_holding_a_nul_is_not_found_not_a_server_error(client, engine, settings,
                                                                     world):
    """Hypothesis found it on PostgreSQL, whose text cannot hold a NUL: a payload
    naming such an id made the batch's record read fail (500). It is refused as an
    id that exists nowhere, and the operations beside it still apply."""
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    base = {"fac": world.a.id, "user": enrolled.user_id, "at": 0, "schema": 1}
    bad = {"id": new_id(), "seq": 1, "type": "update", **base,
           "p": {"kind": "resident", "id": "\x00" + new_id()[1:],
                 "changes": {"phone": ["555-0100", 0]}}}
    good = {"id": new_id(), "seq": 2, "type": "create", **base,
            "p": {"kind": "resident", "id": new_id(), "fields": {
                "mrn": "MG9", "family_name": "Lee", "given_name": "Ann",
                "birth_date": "1939-05-06", "sex": "female"}}}
    envelope = seal(key, "push", enrolled.terminal_id, 1, {"ops": [bad, good], "schema": 1})
    status, body = await post(client, "/v1/push", envelope.to_bytes())
    assert status == 200
    pushed = PushResponse.from_wire(open_envelope(body).decoded_body())
    assert [r.status for r in pushed.results] == ["rejected", "applied"]


async def test_bombs_at_the_size_limit_keep_memory_bounded_and_the_server_answering(
        client, engine, settings, world):
    """security.md case 10: a body as large as the server accepts, claiming millions
    of maps or nested arrays, is refused with 400 while the decoder holds little
    memory (tracemalloc sees the server's allocations: it runs in this process), and
    the server goes on answering signed requests afterwards."""
    import tracemalloc

    room = settings.client_max_size - 5
    bombs = [
        b"\xdd" + room.to_bytes(4, "big") + b"\x80" * room,  # millions of empty maps
        b"\xdd" + room.to_bytes(4, "big") + b"\x90" * room,  # millions of empty arrays
        b"\xdd" + (room // 2).to_bytes(4, "big") + b"\xa1a" * (room // 2),  # short strings
    ]
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    tracemalloc.start()
    try:
        for bomb in bombs:
            tracemalloc.reset_peak()
            status, body = await post(client, "/v1/push", bomb)
            _, peak = tracemalloc.get_traced_memory()
            assert status == 400 and decode(body)["error"] == "too_many_items"
            # The body itself is held once or twice; a million decoded maps would be
            # over 60 MB. Bounded: a small multiple of the accepted size.
            assert peak < 4 * settings.client_max_size, peak
    finally:
        tracemalloc.stop()
    envelope = seal(key, "pull", enrolled.terminal_id, 1, PullRequest(0).to_wire())
    status, body = await post(client, "/v1/pull", envelope.to_bytes())
    assert status == 200
    open_envelope(body).verify(enrolled.server_public_key)


async def test_well_signed_but_malformed_body_is_400(client, engine, settings, world):
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    for counter, body in enumerate([{"ops": "nope", "schema": 1}, {"ops": [], "extra": 1},
                                    {"ops": [{"id": 1}], "schema": 1}], start=1):
        message = seal(key, "push", enrolled.terminal_id, counter, body).to_bytes()
        status, payload = await post(client, "/v1/push", message)
        assert (status, decode(payload)["error"]) == (400, "invalid_message")
    wrong_type = seal(key, "pull", enrolled.terminal_id, 9, {"ops": []}).to_bytes()
    assert (await post(client, "/v1/push", wrong_type))[0] == 400


async def test_a_signed_body_with_a_repeated_map_key_is_refused(client, engine, settings, world):
    """The signature covers the body's bytes, not one reading of them: a map with
    a key twice could mean two things, so it is refused whoever signed it."""
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    body = encode({"ops": [], "schema": 1})
    repeated = b"\x83" + body[1:] + encode("schema") + encode(2)  # "schema" twice
    unsigned = seal(key, "push", enrolled.terminal_id, 1, {})
    envelope = Envelope(**{**{f: getattr(unsigned, f) for f in Envelope.__slots__},
                           "body": repeated, "signature": b""})
    signed = Envelope(**{**{f: getattr(envelope, f) for f in Envelope.__slots__},
                         "signature": key.sign(envelope.signed_bytes())})
    status, payload = await post(client, "/v1/push", signed.to_bytes())
    assert (status, decode(payload)["error"]) == (400, "duplicate_key")


@pytest.fixture
def live_server(engine, settings):
    settings.flood_limit = 1_000_000  # the fuzz below is about decoding, not floods
    with ServerThread(settings, init=False) as server:
        yield server


_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text() | st.binary()


@hyp_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300),
                      st.recursive(_SCALARS, lambda c: st.lists(c) | st.dictionaries(st.text(), c),
                                   max_leaves=20).map(encode)),
       path=st.sampled_from(["/v1/push", "/v1/pull", "/v1/enroll"]))
def test_random_bytes_never_cause_a_server_error(live_server, data, path):
    host, port = "127.0.0.1", live_server.port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("POST", path, body=data, headers=MSGPACK)
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    assert 400 <= response.status < 500
    assert "error" in decode(payload)


NUL_TEXT = st.text(alphabet=st.sampled_from(["\x00", "a", "1", "-", " ", "é"]), max_size=8)
"""Text that often holds a NUL (PostgreSQL's text cannot; protocol.schema.NUL_REFUSED)."""
SCALARS = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=30)
           | NUL_TEXT
           | st.sampled_from(["create", "update", "command", "resident", "note", "admit",
                              "bed", "stay", "license", "staff", "2026-01-02", new_id(),
                              "\x00" + new_id()[1:]]))
VALUES = st.recursive(SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.sampled_from(["kind", "id", "fields", "changes", "name", "args", "stay_id",
                     "resident_id", "bed_id", "body", "family_name", "mrn", "phone", "reason",
                     "field", "value", "to_facility_id", "x", "x\x00"]), c, max_size=5),
    max_leaves=25)


@pytest.fixture
def signed_terminal(live_server, engine, settings, world):
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=world.a.id)
    request = EnrollRequest(code, "desk", public_bytes(key), prove_possession(key, code),
                            "clerk_MG")
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=30)
    connection.request("POST", "/v1/enroll", headers=MSGPACK,
                       body=seal(key, "enroll", "new", 0, request.to_wire()).to_bytes())
    enrolled = EnrollResponse.from_wire(open_envelope(connection.getresponse().read())
                                        .decoded_body())
    connection.close()
    return {"key": key, "id": enrolled.terminal_id, "user": enrolled.user_id,
            "fac": world.a.id, "counter": 0, "seq": 0}


@hyp_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=VALUES, op_type=st.sampled_from(["create", "update", "command", "resolve",
                                                "void", "merge"]))
def test_signed_garbage_operations_never_cause_a_server_error(live_server, signed_terminal,
                                                              payload, op_type):
    term = signed_terminal
    term["counter"] += 1
    op = {"id": new_id(), "seq": term["seq"] + 1, "type": op_type, "fac": term["fac"],
          "user": term["user"], "at": 0, "schema": 1,
          "p": payload if isinstance(payload, dict) else {"value": payload}}
    body = seal(term["key"], "push", term["id"], term["counter"],
                {"ops": [op], "schema": 1}).to_bytes()
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=30)
    try:
        connection.request("POST", "/v1/push", body=body, headers=MSGPACK)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    assert response.status == 200, decode(data)
    pushed = PushResponse.from_wire(open_envelope(data).decoded_body())
    term["seq"] = pushed.next_seq - 1
    results = pushed.results
    assert len(results) == 1
    assert results[0].status in {"applied", "conflict", "rejected"}
