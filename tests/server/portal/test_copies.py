"""The review of a cloned terminal's copies in the browser: the two copies'
changes side by side per record, a decision that goes through the push path
(audited under the manager's name), CSRF on the form, and a facility or
terminal outside the manager's scope not found."""

from __future__ import annotations

import dataclasses

import pytest

from protocol.ids import new_id
from protocol.messages import PushRequest
from server.errors import TerminalQuarantined

pytestmark = pytest.mark.usefixtures("world")


def _push(t, ops, epoch):
    request = PushRequest(ops, epoch=epoch)
    return t.service.push(t.info, t.envelope("push", request.to_wire()), request)


def cloned(terminal, h):
    """One identity, two copies: B renumbered under epoch 1, then A (epoch 0)
    and B both edit the same resident; the server keeps both edits."""
    t = terminal()
    rid, create = h.new_resident(t, family="Copy", given="Cora")
    assert t.push([create]).results[0].status == "applied"
    b_seq = t.seq
    _, on_b = h.new_resident(t, family="FromB", given="Bea")
    assert _push(t, [on_b], epoch=1).results[0].status == "applied"
    t.seq = b_seq  # copy A never saw B's change: it reuses the number
    on_a = t.op("update", {"kind": "resident", "id": rid,
                           "changes": {"phone": ["555-0101", 1]}})
    with pytest.raises(TerminalQuarantined):
        _push(t, [on_a], epoch=0)
    t.info = dataclasses.replace(t.info, quarantined=True)  # as authentication now loads it
    t.seq = on_b.seq
    b_edit = t.op("update", {"kind": "resident", "id": rid,
                             "changes": {"phone": ["555-0102", 1]}})
    with pytest.raises(TerminalQuarantined):
        _push(t, [b_edit], epoch=1)
    return t, rid


async def test_both_copies_side_by_side_and_one_accepted(visitor, manager, world, terminal,
                                                         h, engine):
    t, rid = cloned(terminal, h)
    await visitor.sign_in(manager)
    base = f"/portal/facilities/{world.a.id}/copies"
    _, listing = await visitor.json(base + ".json")
    [term] = listing["terminals"]
    assert (term["id"], term["kept"], term["open"]) == (t.info.id, 2, 2)
    page = f"{base}/{t.info.id}"
    _, text = await visitor.get(f"/portal/facilities/{world.a.id}")
    assert f'href="{page}"' in text and "used by two machines" in text
    status, text = await visitor.get(page)
    assert status == 200 and "Copy under epoch 0" in text and "Copy under epoch 1" in text
    assert "resident Copy, Cora" in text and "555-0101" in text and "555-0102" in text
    _, body = await visitor.json(page + ".json")
    [side] = body["review"]["records"]
    assert side["record_id"] == rid and sorted(side["by_copy"]) == ["epoch 0", "epoch 1"]
    a_id = side["by_copy"]["epoch 0"][0]["id"]
    b_id = side["by_copy"]["epoch 1"][0]["id"]
    # Without the form's token nothing is decided.
    status, _ = await visitor.post(f"{page}/{b_id}", {"decision": "accept"}, csrf=False)
    assert status == 403
    status, text = await visitor.post(f"{page}/{b_id}", {"decision": "accept"})
    assert status == 200 and "accepted: applied" in text
    assert h.record(engine, rid).data["phone"] == "555-0102"
    status, text = await visitor.post(f"{page}/{a_id}", {"decision": "discard"})
    assert status == 200 and "discarded" in text
    assert h.record(engine, rid).data["phone"] == "555-0102"
    _, body = await visitor.json(page + ".json")
    reviews = {copy: ops[0]["review"] for copy, ops in
               body["review"]["records"][0]["by_copy"].items()}
    assert reviews == {"epoch 0": "discarded", "epoch 1": "applied"}
    decided = [(a.action, a.outcome, a.detail["reviewer"], a.detail["decision"])
               for a in h.audit_rows(engine, chain=world.a.id)
               if a.action.startswith("clone_review:")]
    assert decided == [("clone_review:update:resident", "applied", "portal:rm_north", "accept"),
                       ("clone_review:update:resident", "rejected", "portal:rm_north",
                        "discard")]
    status, _ = await visitor.post(f"{page}/{a_id}", {"decision": "accept"})
    assert status == 404  # decided once
    status, _ = await visitor.post(f"{page}/{a_id}", {"decision": "maybe"})
    assert status == 400


async def test_another_facilitys_copies_are_not_found(visitor, manager, world, terminal, h,
                                                      engine):
    t, _ = cloned(lambda: terminal("b"), h)
    await visitor.sign_in(manager)  # manages facility A only
    for path in (f"/portal/facilities/{world.b.id}/copies",
                 f"/portal/facilities/{world.b.id}/copies/{t.info.id}",
                 f"/portal/facilities/{world.a.id}/copies/{t.info.id}",
                 f"/portal/facilities/{world.a.id}/copies/{new_id()}"):
        assert (await visitor.response("GET", path)).status == 404, path
    await visitor.get(f"/portal/facilities/{world.a.id}/copies")
    status, _ = await visitor.post(f"/portal/facilities/{world.a.id}/copies/{t.info.id}/1",
                                   {"decision": "accept"})
    assert status == 404
    status, _ = await visitor.post(f"/portal/facilities/{world.b.id}/copies/{t.info.id}/1",
                                   {"decision": "accept"})
    assert status == 404


async def test_the_review_is_paged_and_a_decision_returns_to_its_page(
        visitor, manager, world, terminal, h, engine, monkeypatch):
    from server.core import clone_review

    monkeypatch.setattr(clone_review, "PAGE_SIZE", 1)  # two kept changes: two pages
    t, rid = cloned(terminal, h)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/copies/{t.info.id}"
    _, first = await visitor.json(page + ".json")
    _, second = await visitor.json(page + ".json?page=2")
    assert (first["review"]["page"], first["review"]["pages"]) == (1, 2)
    assert (second["review"]["page"], second["review"]["pages"]) == (2, 2)
    # Both copies are columns on every page; each page holds one of the changes.
    assert first["review"]["copies"] == second["review"]["copies"] == ["epoch 0", "epoch 1"]
    [on_first] = first["review"]["records"]
    [on_second] = second["review"]["records"]
    assert sorted(on_first["by_copy"]) == ["epoch 0"]
    assert sorted(on_second["by_copy"]) == ["epoch 1"]
    _, text = await visitor.get(page)
    assert "Page 1 of 2" in text and f'href="{page}?page=2" rel="next"' in text
    for bad in ("3", "0", "abc", "-1", "%C2%B2"):  # the last: a superscript two
        assert (await visitor.response("GET", f"{page}?page={bad}")).status == 404, bad
    b_id = on_second["by_copy"]["epoch 1"][0]["id"]
    _, text = await visitor.get(f"{page}?page=2")
    assert 'name="page" value="2"' in text
    status, _ = await visitor.post(f"{page}/%C2%B2", {"decision": "accept"})
    assert status == 404  # a digit to str.isdigit, not a number
    status, text = await visitor.post(f"{page}/{b_id}", {"decision": "accept", "page": "2"})
    assert status == 200 and "accepted: applied" in text and "Page 2 of 2" in text
    assert h.record(engine, rid).data["phone"] == "555-0102"
