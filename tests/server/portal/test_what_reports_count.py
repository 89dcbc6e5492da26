"""What the portal's dashboard and reports count, as a regional manager and an
inspector read them (docs/rules.md §2.9, §4.3, §5.2): an empty facility's staffing
is not judged, a resident gone for good years ago owes no overdue MDS work, and a
transfer to another facility is a departure of the facility that sent them."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from protocol.ids import new_id
from protocol.reports.render import render
from server.portal import figures
from server.reports.compliance import facility_now, facility_report
from server.storage.db import read_tx

pytestmark = pytest.mark.usefixtures("world")


def _today(engine, settings, facility_id):
    """The facility's today, on its own clock (as the portal judges it)."""
    with read_tx(engine) as conn:
        return facility_now(conn, facility_id, settings.clock()).date()


def _kept(engine, settings, facility_id):
    with read_tx(engine) as conn:
        return figures.kept(conn, [facility_id], settings.clock())[facility_id]


def _rows(engine, settings, name, facility_id, start, end):
    report = facility_report(engine, name, facility_id, start, end,
                             today=_today(engine, settings, facility_id),
                             produced_at="2026-09-21 10:00 UTC")
    return list(csv.DictReader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))


async def test_an_empty_facility_shows_staffing_not_judged(visitor, admin_account, world,
                                                           engine, settings):
    figures.refresh_stale(engine, settings)
    await visitor.sign_in(admin_account)
    _, body = await visitor.json("/portal.json")
    oak = body["figures"][world.b.id]
    assert oak["census"] == 0
    assert oak["staffing"] == "ok"
    assert "Last 14 days: no residents, staffing not judged" in oak["staffing_text"]


def test_a_record_closed_years_ago_is_not_overdue_mds_work(terminal, h, world, engine,
                                                           settings):
    term = terminal("a")
    old, create = h.new_resident(term, family="Pruitt", given="Harold")
    sid = new_id()
    admit = term.op("command", {"name": "admit", "args": {
        "stay_id": sid, "resident_id": old, "admitted_at": "2015-01-10"}})
    died = term.op("command", {"name": "discharge", "args": {
        "stay_id": sid, "discharged_at": "2016-05-01", "disposition": "death"}})
    term.push([create, admit, died])
    figures.refresh(engine, settings, world.a.id)
    assert _kept(engine, settings, world.a.id).mds_overdue == 0
    rows = _rows(engine, settings, "mds", world.a.id, date(2015, 1, 1), date(2016, 12, 31))
    assert rows and {row["Status"] for row in rows} == {"missed"}
    # A resident here now, with no admission assessment: that is overdue work.
    rid, create = h.new_resident(term, family="Quillfeather", given="Ada")
    _, admit = h.admit(term, rid, world.a.beds[1])
    term.push([create, admit])
    figures.refresh(engine, settings, world.a.id)
    assert _kept(engine, settings, world.a.id).mds_overdue > 0


def test_a_transfer_out_is_a_discharge_of_the_facility_that_sent_them(terminal, h, world,
                                                                       engine, settings):
    term = terminal("a")
    rid, create = h.new_resident(term, family="Kowalski", given="Irene")
    sid, admit = h.admit(term, rid, world.a.beds[0])
    left = _today(engine, settings, world.a.id).replace(day=1).isoformat()
    move = term.op("command", {"name": "transfer", "args": {
        "stay_id": sid, "to_facility_id": world.b.id, "at": left}})
    term.push([create, admit, move])
    end = _today(engine, settings, world.a.id)
    rows = _rows(engine, settings, "discharges", world.a.id, end, end)
    assert [(r["Resident"], r["Discharged"], r["Disposition"], r["Destination"])
            for r in rows] == [("Kowalski, Irene", left, "transfer", "Oak Hill")]
    # Oak Hill received the record, not a discharge of its own.
    assert _rows(engine, settings, "discharges", world.b.id, end, end) == []
