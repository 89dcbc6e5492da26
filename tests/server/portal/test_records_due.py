"""The region's records clocks in the portal: due and overdue requests for
records of the manager's facilities only, overdue first, residents by record
number; the JSON twin says the same; outside the region nothing shows."""

from __future__ import annotations

from datetime import UTC, datetime

from protocol.ids import new_id

from ..conftest import START_MS


def _request(term, resident_id: str, received_at: str, requester: str):
    return term.op("command", {"name": "open_request", "args": {
        "request_id": new_id(), "resident_id": resident_id, "received_at": received_at,
        "requester": requester, "authority": "attorney", "what": "the chart"}})


def arrange(terminal, h) -> str:
    """Server time is 2026-09-21. Maple Grove: a request received 1 August (due
    31 August: overdue) and one received 20 September (due 20 October); Oak
    Hill, outside the manager's region, one more."""
    assert datetime.fromtimestamp(START_MS / 1000, UTC).date().isoformat() == "2026-09-21"
    a = terminal("a", "rm_MG")
    rid, create = h.new_resident(a, mrn="MG0042")
    results = a.push([create, _request(a, rid, "2026-08-01T09:00", "Doe LLP"),
                      _request(a, rid, "2026-09-20T10:00", "Roe LLP")]).results
    assert [r.status for r in results] == ["applied"] * 3
    b = terminal("b", "rm_OK")
    other, create_b = h.new_resident(b, mrn="OK0007")
    assert [r.status for r in b.push([create_b, _request(b, other, "2026-09-01T09:00",
                                                         "Far Away LLP")]).results] == \
        ["applied", "applied"]
    return rid


async def test_the_regions_due_and_overdue_requests(visitor, manager, terminal, h):
    arrange(terminal, h)
    await visitor.sign_in(manager)
    status, text = await visitor.get("/portal/records")
    assert status == 200
    assert "2 due" in text and "1 overdue" in text
    assert text.index("2026-08-31 — overdue") < text.index("2026-10-20")
    assert "MG0042" in text and "Doe LLP" in text
    assert "Far Away" not in text and "OK0007" not in text
    assert "Okafor" not in text and "Smith" not in text  # named by record number only
    _, body = await visitor.json("/portal/records.json")
    rows = body["rows"]
    assert [(r["due"], r["overdue"], r["mrn"]) for r in rows] == [
        ("2026-08-31", True, "MG0042"), ("2026-10-20", False, "MG0042")]
    assert rows[0]["basis"] == "30 days from receipt (45 CFR 164.524(b)(2))"


async def test_nothing_due_says_so(visitor, manager):
    await visitor.sign_in(manager)
    status, text = await visitor.get("/portal/records")
    assert status == 200 and "Nothing is due" in text


async def test_each_facility_s_clocks_run_on_its_own_wall_clock(visitor, manager, terminal, h,
                                                                engine, settings, world):
    """Server time is Monday 21 September 2026, 14:13 UTC. A resident asked on
    Friday at 07:30 to inspect their record: due Monday 07:30 (24 working-day
    hours). In Ohio it is 10:13: overdue. Named as a Los Angeles facility it is
    07:13 there: not yet."""
    from server.core.records_settings import set_records_settings

    a = terminal("a", "rm_MG")
    rid, create = h.new_resident(a, mrn="MG0042")
    asked = a.op("command", {"name": "open_request", "args": {
        "request_id": new_id(), "resident_id": rid, "received_at": "2026-09-18T07:30",
        "requester": "the resident", "authority": "resident", "ask": "inspect",
        "what": "the chart", "current_resident": True}})
    assert [r.status for r in a.push([create, asked]).results] == ["applied"] * 2
    await visitor.sign_in(manager)
    _, body = await visitor.json("/portal/records.json")
    assert [(r["due"], r["overdue"]) for r in body["rows"]] == [("2026-09-21 07:30", True)]
    set_records_settings(engine, settings, facility_id=world.a.id,
                         timezone="America/Los_Angeles")
    _, body = await visitor.json("/portal/records.json")
    assert [(r["due"], r["overdue"]) for r in body["rows"]] == [("2026-09-21 07:30", False)]
