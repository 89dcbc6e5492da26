"""The dashboard's figures per facility: computed from the shared report
definitions, kept per facility and recomputed only when its records changed;
the trend chart an SVG drawn on the server, served as an image; the audit
state saying when the log no longer verifies."""

from __future__ import annotations

import subprocess
import sys

import pytest

from server import admin
from server.http.portal.edge import CHART_CSP
from server.portal import figures
from server.storage.db import read_tx

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
def resident(terminal, h, world):
    term = terminal("a")
    rid, create = h.new_resident(term, family="Quillfeather", given="Ada")
    _, admit = h.admit(term, rid, world.a.beds[0])
    term.push([create, admit])
    return term


async def test_the_dashboard_shows_each_facilitys_figures(visitor, admin_account, world,
                                                           resident, engine, settings):
    await visitor.sign_in(admin_account)
    _, before = await visitor.json("/portal.json")
    assert before["figures"] == {}  # nothing computed yet: the page says so, computes nothing
    status, text = await visitor.get("/portal")
    assert status == 200 and "being computed" in text
    assert figures.refresh_stale(engine, settings) == 2
    assert figures.refresh_stale(engine, settings) == 0  # nothing changed since
    _, body = await visitor.json("/portal.json")
    a = body["figures"][world.a.id]
    assert (a["census"], a["in_house"], a["beds"], a["occupancy"]) == (1, 1, 3, "33.33")
    assert a["staffing"] in ("ok", "warn", "fail") and a["staffing_text"]
    assert a["audit_ok"] is True and a["stale"] is False
    assert body["figures"][world.b.id]["census"] == 0
    status, text = await visitor.get("/portal")
    assert f'src="/portal/facilities/{world.a.id}/trend.svg"' in text
    assert "33.33% of 3 beds occupied" in text


async def test_occupancy_is_the_midnight_census_over_the_licensed_beds(
        visitor, manager, world, resident, h, engine, settings):
    """As the census statistics count it (docs/rules.md §4.4): a resident away
    at midnight (here in hospital, bed held) is in the census list but not in
    the occupancy; the beds are the licensed count in force, not the bed board's,
    and the figure is rounded half up to 2 decimals: 1 × 100 ÷ 120 = 0.83."""
    rid, create = h.new_resident(resident, family="Brightwater", given="Bo")
    sid, admit = h.admit(resident, rid, world.a.beds[1])
    leave = resident.op("command", {"name": "leave", "args": {
        "stay_id": sid, "leave_type": "hospital", "at": "2026-01-05", "bed_hold": True}})
    assert [r.status for r in resident.push([create, admit, leave]).results] == ["applied"] * 3
    await visitor.sign_in(manager)
    await visitor.get(f"/portal/facilities/{world.a.id}/compliance")
    status, _ = await visitor.post(f"/portal/facilities/{world.a.id}/compliance", {
        "profile": "federal", "day_start": "00:00", "occupancy_method": "quarter_to_date",
        "pbj_facility_id": "", "beds_from": "2026-01-01", "beds": "120"})
    assert status == 200
    figures.refresh_stale(engine, settings)
    _, body = await visitor.json("/portal.json")
    a = body["figures"][world.a.id]
    assert (a["census"], a["in_house"], a["beds"], a["occupancy"]) == (2, 1, 120, "0.83")


async def test_the_figures_are_of_the_facilitys_own_date(visitor, manager, world, engine,
                                                          settings, clock):
    """A facility's "today" is its own wall clock's (docs/rules.md §0.1), as at its
    terminals: at 05:00 UTC on 22 September it is still 21 September in Honolulu,
    so a license expiring on the 21st is still valid there and the MDS items due
    that day are not yet overdue. The report period by default ends the day before
    that one, the facility's yesterday (its last complete day, docs/rules.md §2.9)."""
    from datetime import UTC, datetime

    from server.core.records_settings import set_records_settings

    set_records_settings(engine, settings, facility_id=world.a.id, timezone="Pacific/Honolulu")
    clock.now = int(datetime(2026, 9, 22, 5, 0, tzinfo=UTC).timestamp() * 1000)
    figures.refresh_stale(engine, settings)
    await visitor.sign_in(manager)
    _, body = await visitor.json("/portal.json")
    assert body["figures"][world.a.id]["day"] == "2026-09-21"
    with read_tx(engine) as conn:  # Ohio, outside the manager's region: 01:00 on the 22nd
        assert figures.kept(conn, [world.b.id], clock())[world.b.id].day == "2026-09-22"
    _, page = await visitor.json(f"/portal/facilities/{world.a.id}/reports.json")
    assert page["period"] == {"from": "2026-09-07", "to": "2026-09-20"}


async def test_figures_go_stale_when_the_records_change(visitor, manager, world, resident, h,
                                                         engine, settings):
    figures.refresh_stale(engine, settings)
    rid, create = h.new_resident(resident, family="Brightwater", given="Bo")
    _, admit = h.admit(resident, rid, world.a.beds[1])
    resident.push([create, admit])
    await visitor.sign_in(manager)
    _, body = await visitor.json("/portal.json")
    assert body["figures"][world.a.id]["stale"] is True
    assert body["figures"][world.a.id]["census"] == 1
    # Opening the facility brings its figures up to date first.
    _, page = await visitor.json(f"/portal/facilities/{world.a.id}.json")
    assert page["figures"]["census"] == 2 and page["figures"]["stale"] is False
    assert figures.refresh_stale(engine, settings) == 0


async def test_the_trend_chart_is_an_svg_image_in_scope_only(visitor, manager, world,
                                                             resident, engine, settings):
    figures.refresh_stale(engine, settings)
    await visitor.sign_in(manager)
    response = await visitor.response("GET", f"/portal/facilities/{world.a.id}/trend.svg")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    svg = response._body.decode()
    assert svg.startswith("<svg") and "<title>Staffing at Maple Grove" in svg
    assert "<script" not in svg and "href=\"http" not in svg
    assert response.headers["Content-Security-Policy"] == CHART_CSP
    outside = await visitor.response("GET", f"/portal/facilities/{world.b.id}/trend.svg")
    assert outside.status == 404


async def test_the_audit_state_says_when_the_log_no_longer_verifies(
        visitor, manager, world, resident, engine, settings, h):
    admin.publish_checkpoints(engine, settings)  # what every process does on a timer
    log = h.audit_rows(engine, chain=world.a.id)
    fields = ("chain", "at", "actor", "terminal_id", "facility_id", "action", "target",
              "outcome", "purpose", "detail")
    forged = [{k: getattr(a, k) for k in fields} for a in log]
    forged[0]["outcome"] = "rejected"
    h.rewrite_audit(engine, world.a.id, keep=0, new_tail=forged)
    figures.refresh_stale(engine, settings)
    await visitor.sign_in(manager)
    _, body = await visitor.json("/portal.json")
    state = body["figures"][world.a.id]
    assert state["audit_ok"] is False and "rewritten" in state["audit_text"]
    _, text = await visitor.get("/portal")
    assert "does not verify" in text


HOLD_A_CLAIM = """
import sys
from server.storage.claims import claim
from server.storage.db import make_engine
with claim(make_engine(sys.argv[1]), sys.argv[2]) as held:
    print(held, flush=True)
    sys.stdin.read()  # held until the test closes the pipe
"""


def test_a_facility_another_process_is_refreshing_is_left_to_it(world, resident,
                                                                engine, settings):
    """Several server processes refresh on their timers: the one that claimed a
    facility computes its figures and the others skip it, instead of computing the
    same report twice; once the claim ends, the next round computes them once."""
    name = f"figures:{world.a.id}"
    other = subprocess.Popen([sys.executable, "-c", HOLD_A_CLAIM, settings.database_url,
                              name], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "True"
        assert figures.refresh_stale(engine, settings) == 1  # the other facility only
        figures.ensure_fresh(engine, settings, world.a.id)  # its page does not compute it
        with read_tx(engine) as conn:
            assert set(figures.kept(conn, [world.a.id, world.b.id], settings.clock())) == {
                world.b.id}
    finally:
        other.communicate("")
    assert other.returncode == 0
    assert figures.refresh_stale(engine, settings) == 1  # the claim ended with its holder
    assert figures.refresh_stale(engine, settings) == 0
