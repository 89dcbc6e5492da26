"""Inspectors and regulation bulletins: the acknowledgement record is a
compliance report, and inspectors pull compliance reports read-only — so an
inspector downloads the bulletin-acknowledgements report of the facilities of
their access (audited with the access's purpose, only while the access lasts),
and never publishes: the bulletins page and its form answer 404, and a publish
attempt is refused, writes nothing, and is audited (docs/api.md, "Inspectors
and regulation bulletins")."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from server.storage.models import T

pytestmark = pytest.mark.usefixtures("world")
FORM = {"title": "Copy fees <2027>", "source": "State Medicaid notice 14",
        "effective_on": "2026-09-21", "due_on": "2026-09-30", "audience": "everyone",
        "text": "Charge at cost only."}
REPORT = ("/portal/inspect/facilities/{}/reports/bulletin-acknowledgements.csv"
          "?from=2026-09-01&to=2026-09-30")


def _bulletins(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(T.records).where(
            T.records.c.kind == "bulletin")).scalar_one()


async def _published_and_acknowledged(visitor, manager, world, terminal) -> None:
    await visitor.sign_in(manager)
    status, _ = await visitor.post("/portal/bulletins", {**FORM, "facilities": world.a.id})
    assert status == 200
    clerk = terminal("a", "clerk_MG")
    changes, _ = clerk.pull_all()
    [bulletin] = [c for c in changes if c.kind == "bulletin"]
    [done] = clerk.push([clerk.op("command", {"name": "acknowledge_bulletin", "args": {
        "bulletin_id": bulletin.record_id, "on": "2026-09-21"}})]).results
    assert done.status == "applied"


async def test_an_inspector_reads_the_acknowledgements_report_and_cannot_publish(
        visitors, visitor, manager, world, terminal, engine, settings, p, h):
    await _published_and_acknowledged(visitor, manager, world, terminal)
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    await inspector.post("/portal/access/key", {"key": issued.token})
    await inspector.post("/portal/access", {"code": issued.code})

    # The allowed read: the report, audited with the access's stated purpose.
    response = await inspector.response("GET", REPORT.format(world.a.id))
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(response._body.decode())))
    standing = {r["Person"]: r["Standing"] for r in rows if r["Bulletin"] == FORM["title"]}
    assert standing["clerk_MG"] == "acknowledged"
    assert "not yet due" in standing.values()
    [entry] = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "report:download"]
    assert (entry.actor, entry.purpose, entry.detail["report"]) == (
        f"inspector:{issued.id}", "inspection", "bulletin-acknowledgements")

    # The refused write: no bulletins page, no form, no publishing — audited.
    before = _bulletins(engine)
    for path in ("/portal/bulletins", "/portal/bulletins.json", "/portal/bulletins/new"):
        assert (await inspector.response("GET", path)).status == 404, path
    status, _ = await inspector.post("/portal/bulletins", {**FORM, "facilities": world.a.id})
    assert status == 404
    assert _bulletins(engine) == before
    [refused] = [a for a in h.audit_rows(engine, chain=world.a.id)
                 if a.action == "inspect:write_refused"]
    assert (refused.actor, refused.outcome, refused.purpose) == (
        f"inspector:{issued.id}", "refused", "inspection")
    assert (refused.detail["method"], refused.detail["page"]) == ("POST", "/portal/bulletins")
    # Outside the access: the same answer as a facility that does not exist.
    assert (await inspector.response("GET", REPORT.format(world.b.id))).status == 404


async def test_the_read_lasts_only_as_long_as_the_access(
        visitors, visitor, manager, world, terminal, engine, settings, clock, p, h):
    await _published_and_acknowledged(visitor, manager, world, terminal)
    issued = p.issue_access(engine, settings, manager, [world.a.id], hours=24)
    inspector = await visitors()
    await inspector.post("/portal/access/key", {"key": issued.token})
    await inspector.post("/portal/access", {"code": issued.code})
    assert (await inspector.response("GET", REPORT.format(world.a.id))).status == 200
    clock.now += 2 * 86_400_000  # past the access's end
    response = await inspector.response("GET", REPORT.format(world.a.id))
    assert response.status == 410
    downloads = [a for a in h.audit_rows(engine, chain=world.a.id)
                 if a.action == "report:download"]
    assert len(downloads) == 1


async def test_a_script_hammering_write_routes_adds_two_entries_a_minute_per_route(
        visitors, manager, world, engine, settings, clock, p, h):
    """Every refused write is still accounted for, but not one entry each: per
    access, route and minute the first attempt is audited in full and the rest
    counted, in one aggregated entry when the minute ends. Varying the ids in the
    path is the same route. The answer stays 404, as for a page that does not exist."""
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    await inspector.post("/portal/access/key", {"key": issued.token})
    await inspector.post("/portal/access", {"code": issued.code})

    def refused():
        return [a for a in h.audit_rows(engine, chain=world.a.id)
                if a.action == "inspect:write_refused"]

    for _ in range(25):
        status, _ = await inspector.post("/portal/bulletins", {**FORM,
                                                               "facilities": world.a.id})
        assert status == 404
    for n in range(5):
        status, _ = await inspector.post(f"/portal/inspections/{n:026d}/revoke", {})
        assert status == 404
    entries = refused()
    assert [(e.outcome, e.detail["page"]) for e in entries] == [
        ("refused", "/portal/bulletins"),
        ("refused", "/portal/inspections/00000000000000000000000000/revoke")]

    clock.advance(61_000)  # the minute ended: the next attempt writes its tallies first
    status, _ = await inspector.post("/portal/bulletins", {**FORM, "facilities": world.a.id})
    assert status == 404
    counted = {e.detail["route"]: e.detail["count"] for e in refused()
               if e.outcome == "aggregated"}
    assert counted == {"/portal/bulletins": 25,
                       "/portal/inspections/{access_id}/revoke": 5}
    assert all(e.actor == f"inspector:{issued.id}" for e in refused())
    assert [e.outcome for e in refused()].count("refused") == 3  # a new minute, a new first
