"""The dashboard's figures kept incrementally (server/portal/figures.py) equal the
figures computed from scratch — every record the reports read, the whole audit
chain verified — after each kind of change: an admission, a discharge, worked
hours, a license renewed, a note (which moves the change sequence and no
figure), a new day, an audit entry with no record change. And the audit check
that starts from the last verified entry names what the full check names when
the log breaks after it, notices a history rewritten before it, and leaves an
entry rewritten in place before it to the full check (as its docstring says)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from protocol.ids import new_id
from protocol.ops import OpStatus
from server import admin
from server.portal import figures
from server.reports.compliance import facility_now, load_facts
from server.storage.audit import record_event
from server.storage.audit_verify import verify_chain
from server.storage.db import read_tx, write_tx
from server.storage.keys import key_chain
from server.storage.merkle_models import LOWEST_STORED_LEVEL
from server.storage.models import T

DAY_MS = 86_400_000


def from_scratch(engine: Any, settings: Any, facility: str) -> tuple[dict[str, Any], str]:
    """The figures and chart as a full computation gives them now."""
    with read_tx(engine) as conn:
        today = facility_now(conn, facility, settings.clock()).date()
        facts = load_facts(conn, facility)
        problem = verify_chain(conn, facility, [link.key for link in key_chain(conn)])
        entries = conn.execute(sa.select(T.heads.c.audit_seq).where(
            T.heads.c.facility_id == facility)).scalar_one()
    values, chart = figures.compute(facts, today)
    values["audit_ok"] = problem is None
    values["audit_text"] = f"{entries} entries verified" if problem is None else str(problem)
    return values, same_chart(chart)


def same_chart(svg: str) -> str:
    """The chart less what differs between two drawings of the same figures: the
    random element id pygal gives each and the date it was drawn on."""
    return GENERATED.sub("", CHART_ID.sub("chart", svg))


CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
GENERATED = re.compile(r"<!--Generated with [^>]*-->")


def kept(engine: Any, facility: str) -> tuple[dict[str, Any], str]:
    with read_tx(engine) as conn:
        row = conn.execute(sa.text("SELECT figures, chart FROM facility_figures "
                                   "WHERE facility_id = :f"), {"f": facility}).one()
    return json.loads(row.figures), same_chart(row.chart)


def verified_size(engine: Any, facility: str) -> int | None:
    with read_tx(engine) as conn:
        return conn.execute(sa.text("SELECT size FROM audit_verified WHERE chain = :f"),
                            {"f": facility}).scalar()


def audit_size(engine: Any, facility: str) -> int:
    with read_tx(engine) as conn:
        return int(conn.execute(sa.select(T.heads.c.audit_seq).where(
            T.heads.c.facility_id == facility)).scalar_one())


class Reads:
    """Counts the facility reads the refresh makes (the real loader, counted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = figures.load_facts

        def counted(*args: Any, **kw: Any) -> Any:
            self.count += 1
            return real(*args, **kw)

        monkeypatch.setattr(figures, "load_facts", counted)


def applied(t: Any, ops: list[Any]) -> None:
    assert [r.status for r in t.push(ops).results] == [OpStatus.APPLIED] * len(ops)


def test_incremental_figures_equal_a_full_computation_after_each_change(
        terminal, h, world, engine, settings, clock, monkeypatch):
    fid = world.a.id
    reads = Reads(monkeypatch)
    t = terminal(username="rm_MG")
    with read_tx(engine) as conn:
        today = facility_now(conn, fid, clock()).date()

    def day(back: int) -> str:
        return (today - timedelta(days=back)).isoformat()

    def refreshed(*, facts_read: bool) -> dict[str, Any]:
        before = reads.count
        assert figures.refresh(engine, settings, fid)
        assert (reads.count > before) is facts_read
        got, expected = kept(engine, fid), from_scratch(engine, settings, fid)
        assert got == expected
        assert verified_size(engine, fid) == audit_size(engine, fid)
        return got[0]

    # A resident in a bed, a nurse with a license and a week of hours.
    staff_id, license_id = new_id(), new_id()
    rid, create = h.new_resident(t)
    stay, admit = h.admit(t, rid, world.a.beds[0])
    applied(t, [create, admit,
                t.op("create", {"kind": "staff", "id": staff_id, "fields": {
                    "employee_id": "E-1", "family_name": "Ng", "given_name": "Lee",
                    "job_title_code": 7, "pay_type_code": 2}}),
                t.op("create", {"kind": "license", "id": license_id, "fields": {
                    "staff_id": staff_id, "license_type": "RN", "number": "1",
                    "issuing_state": "OH", "expires_on": day(-10),
                    "verified_on": day(30)}}),
                *[t.op("create", {"kind": "hours", "id": new_id(), "fields": {
                    "staff_id": staff_id, "work_date": day(back), "hours": "8.00",
                    "job_title_code": 7, "pay_type_code": 2}}) for back in range(2, 9)]])
    first = refreshed(facts_read=True)  # nothing kept: all computed, the whole chain
    assert first["census"] == 1 and first["licenses_expiring"] == 1

    # An admission.
    rid2, create2 = h.new_resident(t)
    _, admit2 = h.admit(t, rid2, world.a.beds[1])
    applied(t, [create2, admit2])
    assert refreshed(facts_read=True)["census"] == 2

    # A discharge.
    applied(t, [t.op("command", {"name": "discharge", "args": {
        "stay_id": stay, "discharged_at": day(0), "disposition": "home"}})])
    assert refreshed(facts_read=True)["census"] == 1

    # Hours worked yesterday.
    applied(t, [t.op("create", {"kind": "hours", "id": new_id(), "fields": {
        "staff_id": staff_id, "work_date": day(1), "hours": "8.00",
        "job_title_code": 7, "pay_type_code": 2}})])
    refreshed(facts_read=True)

    # The license renewed: no longer expiring.
    with read_tx(engine) as conn:
        version = conn.execute(sa.select(T.records.c.versions).where(
            T.records.c.id == license_id)).scalar_one()
    base = (json.loads(version) if isinstance(version, str) else version)["expires_on"]
    applied(t, [t.op("update", {"kind": "license", "id": license_id, "changes": {
        "expires_on": [day(-700), base]}})])
    assert refreshed(facts_read=True)["licenses_expiring"] == 0

    # A note: the change sequence moves, no figure can: only the audit is checked.
    _, written = h.note(t, rid2)
    applied(t, [written])
    refreshed(facts_read=False)

    # A new day: the figures are of another day, computed again.
    clock.advance(DAY_MS)
    assert figures.refresh_stale(engine, settings) == 2  # both facilities
    assert kept(engine, fid) == from_scratch(engine, settings, fid)

    # An audit entry and no record change (asked: the change sequence did not move).
    with write_tx(engine) as conn:
        record_event(conn, fid, at=clock(), action="portal:view", outcome="ok")
    entries = audit_size(engine, fid)
    assert refreshed(facts_read=False)["audit_text"] == f"{entries} entries verified"


def test_a_break_after_the_verified_entries_is_named_as_the_full_check_names_it(
        terminal, h, world, engine, settings):
    fid = world.a.id
    t = terminal()
    rid, create = h.new_resident(t)
    applied(t, [create])
    admin.publish_checkpoints(engine, settings)
    figures.refresh(engine, settings, fid)
    verified = verified_size(engine, fid)
    _, written = h.note(t, rid)
    applied(t, [written])
    # A later entry altered in place (by the database owner, triggers dropped).
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.update(T.audit).where(T.audit.c.chain == fid,
                                              T.audit.c.seq == audit_size(engine, fid))
                     .values(outcome="rejected"))
    figures.refresh(engine, settings, fid)
    state, expected = kept(engine, fid)[0], from_scratch(engine, settings, fid)[0]
    assert state["audit_ok"] is False and "entry altered" in state["audit_text"]
    assert state["audit_text"] == expected["audit_text"]
    assert verified_size(engine, fid) == verified  # what was verified stays the start


def test_a_history_rewritten_before_the_verified_entries_is_noticed(
        terminal, h, world, engine, settings):
    fid = world.a.id
    t = terminal()
    rid, create = h.new_resident(t)
    applied(t, [create])
    figures.refresh(engine, settings, fid)
    log = h.audit_rows(engine, chain=fid)
    fields = ("chain", "at", "actor", "terminal_id", "facility_id", "action", "target",
              "outcome", "purpose", "detail")
    forged = [{k: getattr(a, k) for k in fields} for a in log]
    forged[0]["outcome"] = "rejected"
    # Every hash and node recomputed, and no checkpoint published: the full check
    # alone finds the chain whole; the kept last hash no longer matches.
    h.rewrite_audit(engine, fid, keep=0, new_tail=forged)
    _, written = h.note(t, rid)
    applied(t, [written])
    assert from_scratch(engine, settings, fid)[0]["audit_ok"] is True
    figures.refresh(engine, settings, fid)
    state = kept(engine, fid)[0]
    assert state["audit_ok"] is False
    assert "altered since it was verified" in state["audit_text"]


def test_an_entry_rewritten_in_place_before_the_verified_ones_is_left_to_the_full_check(
        terminal, h, world, engine, settings, clock):
    """What the incremental check does not prove (its docstring): an earlier entry
    changed in place, its stored hash kept, is caught by ``verify-audit``, and by
    the dashboard's daily check of every entry."""
    fid = world.a.id
    t = terminal()
    rid, create = h.new_resident(t)
    # Enough entries that entry 1 is under a stored tree node. Under an unstored
    # one the frontier the incremental check compares with the one it kept is
    # recomputed from the entries, the edited one included, so it names the
    # edit at once: not the blind spot this test is about.
    applied(t, [create] + [h.new_resident(t)[1]
                           for _ in range(1 << LOWEST_STORED_LEVEL)])
    figures.refresh(engine, settings, fid)
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.update(T.audit).where(T.audit.c.chain == fid, T.audit.c.seq == 1)
                     .values(outcome="rejected"))
    _, written = h.note(t, rid)
    applied(t, [written])
    figures.refresh(engine, settings, fid)
    assert kept(engine, fid)[0]["audit_ok"] is True
    problem = admin.verify_audit(engine)
    assert problem is not None and problem.chain == fid and problem.seq == 1
    # The dashboard checks every entry again once a day: then it shows too.
    clock.advance(figures.FULL_CHECK_EVERY_MS - 1)
    figures.refresh(engine, settings, fid)
    assert kept(engine, fid)[0]["audit_ok"] is True
    clock.advance(1)
    figures.refresh(engine, settings, fid)
    state = kept(engine, fid)[0]
    assert state["audit_ok"] is False and state["audit_text"] == str(problem)
