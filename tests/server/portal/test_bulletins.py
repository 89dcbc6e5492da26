"""Regulation bulletins in the portal, over HTTP: the form publishes one to the
facilities chosen (within the region), the terminals of those facilities pull
it, an acknowledgement from a terminal shows on the region's list and its JSON
twin, and a bad form keeps what was typed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("world")
FORM = {"title": "New fee schedule <2027>", "source": "CMS transmittal R1234",
        "effective_on": "2026-09-21", "due_on": "2026-09-30", "audience": "everyone",
        "text": "Read it."}


async def test_a_bulletin_is_published_pulled_and_acknowledged(visitor, manager, world,
                                                              terminal):
    await visitor.sign_in(manager)
    status, text = await visitor.get("/portal/bulletins/new")
    assert status == 200 and world.a.id in text and world.b.id not in text
    status, text = await visitor.post("/portal/bulletins", {**FORM, "due_on": "2026-09-01",
                                                            "facilities": world.a.id})
    assert status == 400 and "cannot be before the effective date" in text
    assert 'value="CMS transmittal R1234"' in text
    status, text = await visitor.post("/portal/bulletins", {**FORM, "facilities": world.b.id})
    assert status == 400 and "Choose one or more of your facilities" in text
    status, text = await visitor.post("/portal/bulletins", {**FORM, "facilities": world.a.id})
    assert status == 200 and "Bulletin published to 1 facilities" in text
    assert "New fee schedule &lt;2027&gt;" in text
    clerk = terminal("a", "clerk_MG")
    changes, _ = clerk.pull_all()
    [bulletin] = [c for c in changes if c.kind == "bulletin"]
    assert bulletin.data["title"] == FORM["title"]
    other, _ = terminal("b", "clerk_OK").pull_all()
    assert [c for c in other if c.kind == "bulletin"] == []
    result = clerk.push([clerk.op("command", {"name": "acknowledge_bulletin", "args": {
        "bulletin_id": bulletin.record_id, "on": "2026-09-21"}})]).results[0]
    assert result.status == "applied"
    _, body = await visitor.json("/portal/bulletins.json")
    [row] = body["bulletins"]
    assert (row["acknowledged"], row["must_read"]) == (1, 3)
    assert row["waiting"] == ["clerk2_MG", "rm_MG"] and row["overdue"] == []


async def test_a_bulletin_is_published_on_each_facility_s_own_day(visitor, manager, world,
                                                                 terminal, clock):
    """At 02:00 UTC on 22 September it is still the 21st in Ohio (UTC-4)."""
    clock.now = 1_790_042_400_000  # 2026-09-22 02:00 UTC
    await visitor.sign_in(manager)
    status, _ = await visitor.post("/portal/bulletins", {**FORM, "facilities": world.a.id})
    assert status == 200
    changes, _ = terminal("a", "clerk_MG").pull_all()
    [bulletin] = [c for c in changes if c.kind == "bulletin"]
    assert bulletin.data["published_on"] == "2026-09-21"
