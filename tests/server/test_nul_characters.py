"""The NUL character (U+0000) in what a terminal sends, on both backends
(PostgreSQL's text cannot hold one; the rule is :data:`protocol.schema.NUL_REFUSED`).
Hypothesis found a 500 on PostgreSQL for an id; these send one in each kind of
field: in an operation's payload it is refused ``invalid`` for that operation
alone (the one beside it applies), in a request's own text the request gets a
400 with its code, and no answer ever carries the NUL back."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.codec import decode
from protocol.ids import new_id
from protocol.messages import EnrollRequest, PushResponse
from protocol.signing import new_private_key, open_envelope, prove_possession, public_bytes, seal
from server import admin
from server.http.app import create_app

from .test_http import enroll, post


@pytest.fixture
async def client(aiohttp_client, engine, settings, world):
    return await aiohttp_client(create_app(settings))


NUL = "\x00"


def resident(mrn: str = "MG9") -> dict[str, Any]:
    return {"mrn": mrn, "family_name": "Lee", "given_name": "Ann",
            "birth_date": "1939-05-06", "sex": "female"}


# (what, operation type, payload given the id of a resident that exists, field named)
PAYLOADS = [
    ("a name at registration", "create", lambda _rid: {
        "kind": "resident", "id": new_id(), "fields": {**resident("MG8"),
                                                       "family_name": "Le" + NUL}},
     "family_name"),
    ("a record number", "create", lambda _rid: {
        "kind": "resident", "id": new_id(), "fields": resident("MG" + NUL)}, "mrn"),
    ("a license number", "create", lambda _rid: {
        "kind": "license", "id": new_id(), "fields": {
            "staff_id": new_id(), "license_type": "RN", "number": "RN" + NUL,
            "issuing_state": "OH", "expires_on": "2028-01-01"}}, "number"),
    ("a changed phone", "update", lambda rid: {
        "kind": "resident", "id": rid, "changes": {"phone": ["555" + NUL, 1]}}, "phone"),
    ("a changed field's name", "update", lambda rid: {
        "kind": "resident", "id": rid, "changes": {"pho" + NUL: ["555", 1]}}, "pho\u2400"),
    ("a record kind", "update", lambda rid: {
        "kind": "resi" + NUL, "id": rid, "changes": {"phone": ["555", 1]}}, "kind"),
    ("an unknown payload key", "update", lambda rid: {
        "kind": "resident", "id": rid, "changes": {"phone": ["555", 1]}, NUL: 1}, "\u2400"),
    ("a resolved value", "resolve", lambda rid: {
        "kind": "resident", "id": rid, "field": "phone", "value": "5" + NUL}, "value"),
    ("a resolved field", "resolve", lambda rid: {
        "kind": "resident", "id": rid, "field": "ph" + NUL, "value": "5"}, "field"),
    ("the reason of a void", "void", lambda rid: {
        "kind": "resident", "id": rid, "reason": "duplicate" + NUL}, "reason"),
    ("a command's name", "command", lambda _rid: {"name": "adm" + NUL, "args": {}}, "name"),
    ("a command's text argument", "command", lambda _rid: {"name": "discharge", "args": {
        "stay_id": new_id(), "discharged_at": "2026-01-01", "destination": "home" + NUL}},
     "destination"),
    ("a command's argument name", "command", lambda _rid: {"name": "discharge", "args": {
        "stay_id": new_id(), "discharged_at": "2026-01-01", "x" + NUL: "x"}}, "x\u2400"),
    ("a facility to transfer to", "command", lambda _rid: {"name": "transfer", "args": {
        "stay_id": new_id(), "to_facility_id": "01" + NUL + new_id()[3:],
        "at": "2026-01-01"}}, "to_facility_id"),
    ("an id", "update", lambda rid: {
        "kind": "resident", "id": NUL + rid[1:], "changes": {"phone": ["555", 1]}}, "id"),
]


@pytest.mark.parametrize(("what", "op_type", "payload", "field"), PAYLOADS,
                         ids=[case[0] for case in PAYLOADS])
async def test_a_nul_in_a_payload_rejects_that_operation_as_invalid(
        client, engine, settings, world, what, op_type, payload, field):
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    base = {"fac": world.a.id, "user": enrolled.user_id, "at": 0, "schema": 1}
    rid = new_id()
    ops = [{"id": new_id(), "seq": 1, "type": "create", **base,
            "p": {"kind": "resident", "id": rid, "fields": resident()}},
           {"id": new_id(), "seq": 2, "type": op_type, **base, "p": payload(rid)},
           {"id": new_id(), "seq": 3, "type": "update", **base,
            "p": {"kind": "resident", "id": rid, "changes": {"phone": ["555-0100", 0]}}}]
    envelope = seal(key, "push", enrolled.terminal_id, 1, {"ops": ops, "schema": 1})
    status, body = await post(client, "/v1/push", envelope.to_bytes())
    assert status == 200, decode(body)
    results = PushResponse.from_wire(open_envelope(body).decoded_body()).results
    assert [(r.status, r.reason) for r in results] == [
        ("applied", None), ("rejected", "invalid"), ("applied", None)], what
    assert results[1].detail == f"{field}: must not contain NUL characters"


@pytest.mark.parametrize("field", ["fac", "user"])
async def test_a_nul_in_an_operation_s_own_fields_is_a_bad_message(
        client, engine, settings, world, field):
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    op = {"id": new_id(), "seq": 1, "type": "create", "fac": world.a.id,
          "user": enrolled.user_id, "at": 0, "schema": 1,
          "p": {"kind": "resident", "id": new_id(), "fields": resident()}}
    op[field] = op[field][:5] + NUL + op[field][6:]
    envelope = seal(key, "push", enrolled.terminal_id, 1, {"ops": [op], "schema": 1})
    status, body = await post(client, "/v1/push", envelope.to_bytes())
    assert (status, decode(body)) == (400, {
        "error": "invalid_message", "detail": f"{field} must not contain NUL characters"})


@pytest.mark.parametrize("field", ["user", "name", "code"])
async def test_a_nul_in_an_enrollment_is_refused_and_enrolls_nothing(
        client, engine, settings, world, field):
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=world.a.id)
    sent = {"user": "clerk_MG", "name": "desk", "code": code}
    sent[field] = sent[field][:3] + NUL + sent[field][3:]
    request = EnrollRequest(sent["code"], sent["name"], public_bytes(key),
                            prove_possession(key, sent["code"]), sent["user"])
    status, body = await post(client, "/v1/enroll",
                              seal(key, "enroll", "new", 0, request.to_wire()).to_bytes())
    assert (status, decode(body)["error"]) == (400, "invalid_message")
    assert admin.list_terminals(engine, facility_id=world.a.id) == []
    # The code was not used up: the clerk enrolls with it as typed.
    request = EnrollRequest(code, "desk", public_bytes(key), prove_possession(key, code),
                            "clerk_MG")
    status, _ = await post(client, "/v1/enroll",
                           seal(key, "enroll", "new", 0, request.to_wire()).to_bytes())
    assert status == 200


@pytest.mark.parametrize("where", ["push key", "operation key", "event reason", "pull gen"])
async def test_a_nul_in_a_request_is_a_bad_message_whose_answer_holds_none(
        client, engine, settings, world, where):
    key, enrolled = await enroll(client, engine, settings, world.a.id, "clerk_MG")
    op = {"id": new_id(), "seq": 1, "type": "create", "fac": world.a.id,
          "user": enrolled.user_id, "at": 0, "schema": 1, "p": {}}
    path, kind, body = {
        "push key": ("/v1/push", "push", {"ops": [], "schema": 1, "x" + NUL: 1}),
        "operation key": ("/v1/push", "push", {"ops": [{**op, "q" + NUL: 1}], "schema": 1}),
        "event reason": ("/v1/events", "events", {"events": [
            {"n": 1, "at": 0, "kind": "sign_in_refused", "user": None, "reason": "x" + NUL}]}),
        "pull gen": ("/v1/pull", "pull", {"cursor": 0, "limit": 10, "held": [],
                                          "mrns": False, "gen": "g" + NUL}),
    }[where]
    status, answer = await post(client, path,
                                seal(key, kind, enrolled.terminal_id, 1, body).to_bytes())
    assert (status, decode(answer)["error"]) == (400, "invalid_message")
    assert NUL not in decode(answer)["detail"]
