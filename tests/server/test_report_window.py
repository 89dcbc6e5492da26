"""A report reads the hours of its period (and every correction and void), and
says when the facility's data last changed, not when it was last read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from protocol.ids import new_id
from protocol.ops import OpStatus
from protocol.reports.catalog import build_report
from protocol.reports.model import ReportMeta
from protocol.reports.render import render
from server.admin.compliance import audit_export
from server.reports import loading
from server.reports.compliance import facility_report
from server.storage.db import read_tx
from server.storage.models import T

Q2 = (date(2026, 4, 1), date(2026, 6, 30))
TODAY = date(2026, 7, 20)


def _hours(t: Any, staff_id: str, day: str, **more: Any) -> tuple[str, Any]:
    hid = new_id()
    fields = {"staff_id": staff_id, "work_date": day, "hours": "8.00", "job_title_code": 7,
              "pay_type_code": 2, "clock_in": f"{day}T07:00", "clock_out": f"{day}T15:30",
              "meal_minutes": 30, **more}
    fields = {k: v for k, v in fields.items() if v is not None}  # None: left out
    return hid, t.op("create", {"kind": "hours", "id": hid, "fields": fields})


def _work_days(engine: sa.Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(T.records.c.id, T.records.c.work_day).where(
            T.records.c.kind == "hours")).all())


def _staffed(terminal: Any, h: Any, world: Any) -> tuple[Any, str]:
    t = terminal(username="rm_MG")
    staff_id = new_id()
    staff = t.op("create", {"kind": "staff", "id": staff_id, "fields": {
        "employee_id": "E-1", "family_name": "Ng", "given_name": "Lee",
        "job_title_code": 7, "pay_type_code": 2}})
    rid, created = h.new_resident(t)
    _, admitted = h.admit(t, rid, world.a.beds[0])
    assert {r.status for r in t.push([staff, created, admitted]).results} == {OpStatus.APPLIED}
    return t, staff_id


def test_the_push_keeps_each_hours_entrys_first_day(terminal, h, world, engine):
    t, staff_id = _staffed(terminal, h, world)
    night, a = _hours(t, staff_id, "2026-07-31", clock_in="2026-07-31T23:00",
                      clock_out="2026-08-01T07:30")
    untimed, b = _hours(t, staff_id, "2026-08-02", clock_in=None, clock_out=None,
                      meal_minutes=None)
    fixed, c = _hours(t, staff_id, "2026-08-03", corrects=night)
    void, d = _hours(t, staff_id, "2024-01-05", entered_in_error_of=untimed)
    assert {r.status for r in t.push([a, b, c, d]).results} == {OpStatus.APPLIED}
    assert _work_days(engine) == {night: "2026-07-31", untimed: "2026-08-02",
                                  fixed: None, void: None}


def test_a_quarters_report_reads_its_hours_and_every_correction(terminal, h, world, engine,
                                                                  monkeypatch):
    t, staff_id = _staffed(terminal, h, world)
    ops, ids = [], {}
    for name, day in (("old", "2024-02-10"), ("old2", "2025-11-30"), ("apr", "2026-04-06"),
                      ("may", "2026-05-14"), ("jun", "2026-06-29"), ("jul", "2026-07-12")):
        ids[name], op = _hours(t, staff_id, day)
        ops.append(op)
    # A correction entered late (dated after the quarter) of an entry inside it, and a
    # void dated years before of another: both change the quarter.
    ids["fix"], op = _hours(t, staff_id, "2026-07-15", corrects=ids["may"], hours="6.00",
                            clock_in=None, clock_out=None, meal_minutes=None)
    ops.append(op)
    ids["void"], op = _hours(t, staff_id, "2024-01-02", entered_in_error_of=ids["jun"])
    ops.append(op)
    results = t.push(ops).results
    assert {r.status for r in results} == {OpStatus.APPLIED}, [r.detail for r in results]

    decoded: list[Any] = []
    real = loading._decode
    monkeypatch.setattr(loading, "_decode", lambda text: decoded.append(real(text)) or
                        decoded[-1])
    bounded = facility_report(engine, "staffing-quarter", world.a.id, *Q2, today=TODAY,
                              produced_at="now")
    read = {d.get("work_date") for d in decoded if isinstance(d, dict) and "hours" in d}
    assert "2024-02-10" not in read and "2025-11-30" not in read
    assert {"2026-04-06", "2026-05-14", "2026-06-29", "2026-07-15", "2024-01-02"} <= read

    with read_tx(engine) as conn:
        everything = loading.load_facts(conn, world.a.id)
        window = loading.load_facts(conn, world.a.id, kinds={"facility", "resident", "stay",
                                                              "staff", "hours", "paid_leave"},
                                    hours_days=lambda _: (date(2026, 3, 1), date(2026, 7, 31)))
    assert {r.id for r in window.hours} == {ids["apr"], ids["jul"], ids["fix"]}
    assert {r.id for r in everything.hours} == {ids["old"], ids["old2"], ids["apr"],
                                                ids["jul"], ids["fix"]}
    whole = build_report("staffing-quarter", everything, *Q2, today=TODAY, meta=ReportMeta(
        produced_at="now", data_as_of=f"{everything.data_as_of} (server, last change)"))
    assert render(bounded, "csv") == render(whole, "csv")


def _minute(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def test_data_as_of_is_the_last_change_not_the_last_read(terminal, h, world, engine,
                                                         settings, clock):
    t, staff_id = _staffed(terminal, h, world)
    changed = clock.now
    clock.advance(3 * 3_600_000)
    audit_export(engine, settings, facility_id=world.a.id, what="report staffing-days csv",
                 path="/tmp/days.csv")
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(T.audit.c.at)).where(
            T.audit.c.chain == world.a.id)).scalar()
    assert newest == clock.now  # the export is the chain's newest entry …
    report = facility_report(engine, "staffing-quarter", world.a.id, *Q2, today=TODAY,
                             produced_at="now")
    assert report.meta.data_as_of == f"{_minute(changed)} (server, last change)"  # … not this

    clock.advance(3_600_000)
    _, op = _hours(t, staff_id, "2026-08-01")
    assert t.push([op]).results[0].status == OpStatus.APPLIED
    report = facility_report(engine, "staffing-quarter", world.a.id, *Q2, today=TODAY,
                             produced_at="now")
    assert report.meta.data_as_of == f"{_minute(clock.now)} (server, last change)"



def test_a_facility_with_no_change_stored_says_so(world, engine):
    with engine.begin() as conn:  # as a server upgraded from before 0009 may hold it
        conn.execute(sa.update(T.heads).where(T.heads.c.facility_id == world.a.id)
                     .values(changed_at=None))
    report = facility_report(engine, "staffing-quarter", world.a.id, *Q2, today=TODAY,
                             produced_at="now")
    assert report.meta.data_as_of == "no change stored (server)"
