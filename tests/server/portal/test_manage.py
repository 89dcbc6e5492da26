"""What a regional manager changes from the browser, over HTTP: a held
operation reviewed (the same core function as ``review-held``, audited under
the manager's name), users, enrollment codes and settings; each page's JSON
twin says what the page shows."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from server import admin
from server.storage.models import T

pytestmark = pytest.mark.usefixtures("world")


def held_op(terminal, h, engine, settings):
    t = terminal()
    admin.deactivate_user(engine, settings, username="clerk_MG")
    rid, create = h.new_resident(t, family="Held", given="Hattie")
    result = t.push([create]).results[0]
    assert result.status == "held"
    return t, rid, create


async def test_a_held_operation_is_reviewed_in_the_browser(visitor, manager, world, terminal,
                                                            h, engine, settings):
    t, rid, create = held_op(terminal, h, engine, settings)
    await visitor.sign_in(manager)
    status, body = await visitor.json("/portal.json")
    assert body["facilities"][0]["held"] == 1
    status, body = await visitor.json(f"/portal/facilities/{world.a.id}/held.json")
    [op] = body["held"]
    assert (op["terminal_id"], op["seq"], op["username"]) == (t.info.id, create.seq, "clerk_MG")
    page = f"/portal/facilities/{world.a.id}/held/{t.info.id}/{create.seq}"
    status, text = await visitor.get(page)
    assert status == 200 and "Hattie" in text and 'name="decision"' in text
    status, text = await visitor.post(page, {"decision": "apply"})
    assert status == 200 and f"Operation {create.seq} reviewed: applied." in text
    assert h.record(engine, rid).data["given_name"] == "Hattie"
    [entry] = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action.startswith("review:")]
    assert entry.detail["reviewer"] == "portal:rm_north"
    assert t.pull(held=[create.seq]).results[0].flags == ("reviewed",)
    assert (await visitor.json(f"/portal/facilities/{world.a.id}/held.json"))[1]["held"] == []
    assert (await visitor.response("GET", page)).status == 404  # decided: no longer held


async def test_a_held_operation_is_rejected_in_the_browser(visitor, manager, world, terminal,
                                                            h, engine, settings):
    t, rid, create = held_op(terminal, h, engine, settings)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/held/{t.info.id}/{create.seq}"
    await visitor.get(page)
    status, text = await visitor.post(page, {"decision": "reject"})
    assert "reviewed: rejected (user_inactive)" in text
    with engine.connect() as conn:
        assert conn.execute(sa.select(T.records).where(T.records.c.id == rid)).first() is None
    status, text = await visitor.post(page, {"decision": "maybe"})
    assert status == 400


async def test_users_are_added_deactivated_and_made_active_again(visitor, manager, world,
                                                                  engine):
    await visitor.sign_in(manager)
    users = f"/portal/facilities/{world.a.id}/users"
    await visitor.get(users)
    status, text = await visitor.post(users, {"username": "new_clerk", "role": "clerk",
                                              "display_name": "Nia Clerk"})
    assert status == 200 and "new_clerk added" in text
    status, text = await visitor.post(users, {"username": "new_clerk", "role": "clerk",
                                              "display_name": "Again"})
    assert status == 400 and "is taken" in text and 'value="Again"' in text
    status, text = await visitor.post(users, {"username": "boss", "role": "regional_manager"})
    assert status == 400 and "clerk or a records manager" in text
    _, body = await visitor.json(users + ".json")
    user = next(u for u in body["users"] if u["username"] == "new_clerk")
    assert (user["display_name"], user["role"], user["active"]) == ("Nia Clerk", "clerk", True)
    await visitor.post(f"{users}/{user['id']}/active", {"active": "0"})
    _, body = await visitor.json(users + ".json")
    assert not next(u for u in body["users"] if u["id"] == user["id"])["active"]
    await visitor.post(f"{users}/{user['id']}/active", {"active": "1"})
    _, body = await visitor.json(users + ".json")
    assert next(u for u in body["users"] if u["id"] == user["id"])["active"]
    actions = [(a.action, a.actor) for a in _audit(engine, world.a.id)
               if a.target == user["id"]]
    assert actions == [("admin:create_user", "portal:rm_north"),
                       ("admin:deactivate_user", "portal:rm_north"),
                       ("admin:reactivate_user", "portal:rm_north")]


def _audit(engine, chain):
    with engine.connect() as conn:
        return conn.execute(sa.select(T.audit).where(T.audit.c.chain == chain)
                            .order_by(T.audit.c.seq)).all()


async def test_an_enrollment_code_is_shown_once_and_works(visitor, manager, world, engine,
                                                           settings, service, h):
    await visitor.sign_in(manager)
    await visitor.get(f"/portal/facilities/{world.a.id}/users")
    status, text = await visitor.post(f"/portal/facilities/{world.a.id}/codes")
    code = re.search(r'<code class="secret">([A-Z0-9-]+)</code>', text).group(1)
    assert status == 200 and len(code) == 14
    t = h.Term(service, world.a)
    from protocol.messages import EnrollRequest
    from protocol.signing import prove_possession, public_bytes, seal

    request = EnrollRequest(code, "desk", public_bytes(t.key), prove_possession(t.key, code),
                            "clerk_MG")
    response = service.enroll(seal(t.key, "enroll", "new", 0, request.to_wire()), request)
    assert response.facility_id == world.a.id


async def test_facility_settings_are_changed_and_sent_to_terminals(visitor, manager, world,
                                                                    terminal):
    t = terminal()
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/settings"
    await visitor.get(page)
    status, text = await visitor.post(page, {"name": "Maple Grove Care Center",
                                             "state": "pa"})
    assert status == 200 and "Settings saved" in text
    _, body = await visitor.json(page + ".json")
    assert (body["facility"]["name"], body["facility"]["state_code"]) == (
        "Maple Grove Care Center", "PA")
    changes, _ = t.pull_all()
    # Terminals also get the other facilities' names: pick this facility's record.
    facility = [c for c in changes if c.kind == "facility" and c.record_id == world.a.id][-1]
    assert facility.data["name"] == "Maple Grove Care Center"
    status, text = await visitor.post(page, {"name": "Maple", "state": "XX"})
    assert status == 400 and "not a US state" in text and 'value="XX"' in text


async def test_pages_and_their_twins_agree(visitor, manager, world, terminal, h):
    t = terminal()
    t.push([h.new_resident(t)[1]])
    await visitor.sign_in(manager)
    for path in ("/portal", f"/portal/facilities/{world.a.id}",
                 f"/portal/facilities/{world.a.id}/rejected",
                 f"/portal/facilities/{world.a.id}/conflicts",
                 f"/portal/facilities/{world.a.id}/audit", "/portal/account"):
        status, text = await visitor.get(path)
        twin_status, body = await visitor.json(path + ".json")
        assert (status, twin_status) == (200, 200), path
        assert body["title"] in text.replace("&#39;", "'"), path
    _, body = await visitor.json(f"/portal/facilities/{world.a.id}.json")
    assert [term["name"] for term in body["terminals"]] == ["front desk"]
    assert body["terminals"][0]["last_seq"] == 1
