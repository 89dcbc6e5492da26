"""Every read and update a push makes goes through an index: none reads a whole
table that grows with the data (records, the change log, stored results, the
audit and its tree, stays, kept operations of cloned terminals), so a push
costs the same on a server holding millions of operations as on an empty one.

Checked with SQLite's own query planner (``EXPLAIN QUERY PLAN``) on the very
statements and parameters a varied push ran. PostgreSQL plans by statistics
and is not checked here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from protocol.ids import new_id
from protocol.ops import OpStatus
from protocol.rules.residents import census
from server.storage.continuity_models import C
from server.storage.models import STAY_HOLDS_BED, STAY_IS_CURRENT

GROWING = ("records", "changes", "ops", "audit", "audit_nodes", "stays", "quarantined_ops",
           "transfers")


def _statements(engine: sa.Engine, push: Any) -> list[tuple[str, Any]]:
    """The reads and updates (statement, first parameter set) run while ``push`` runs."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
             executemany: bool) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "DELETE"):
            seen.append((statement, parameters[0] if executemany else parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        push()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def _scans(engine: sa.Engine, statement: str, parameters: Any) -> list[str]:
    """Plan lines that read a growing table whole (or the audit tree by chain alone)."""
    with engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                        parameters)]
    # One row at most, whatever the table holds (``SELECT … LIMIT 1`` with no condition).
    if re.search(r"\bLIMIT\b", statement) and not re.search(r"\bWHERE\b", statement):
        return []
    bad = [line for line in plan
           if re.match(rf"SCAN ({'|'.join(GROWING)})\b", line)]
    # The tree's nodes are found by their whole key, never by chain alone.
    bad += [line for line in plan if line.startswith("SEARCH audit_nodes") and "idx" not in line]
    return bad


@pytest.fixture
def sqlite_only(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query planner is what this checks")


def test_a_varied_push_reads_nothing_whole(sqlite_only, terminal, h, world, engine):
    t = terminal(username="rm_MG")
    staff_id = new_id()
    staff = t.op("create", {"kind": "staff", "id": staff_id, "fields": {
        "employee_id": "E-2", "family_name": "Ng", "given_name": "Lee",
        "job_title_code": 7, "pay_type_code": 2}})
    r1, c1 = h.new_resident(t, family="Alder")
    r2, c2 = h.new_resident(t, family="Birch")
    r3, c3 = h.new_resident(t, family="Cedar")
    s1, a1 = h.admit(t, r1, world.a.beds[0])
    s2, a2 = h.admit(t, r2)
    out = t.op("command", {"name": "discharge", "args": {
        "stay_id": s2, "discharged_at": "2026-01-10", "disposition": "home"}})
    first = [staff, c1, c2, c3, a1, a2, out]
    assert {r.status for r in t.push(first).results} == {OpStatus.APPLIED}
    # A cloned terminal's kept operation, so the look-ups by operation id run too.
    with engine.begin() as conn:
        conn.execute(sa.insert(C.quarantined).values(
            terminal_id=new_id(), seq=1, op_id=new_id(), payload_hash="0" * 64, op=b"\x80",
            received_at=0, origin="epoch 0", review="discarded"))

    _, n1 = h.note(t, r1)
    _, n2 = h.note(t, r2, clinical_time="2026-01-12T09:00")
    _, n3 = h.note(t, r1, stay_id=s1)
    phone = t.op("update", {"kind": "resident", "id": r3, "changes": {"phone": ["555-0101", 0]}})
    hours = t.op("create", {"kind": "hours", "id": new_id(), "fields": {
        "staff_id": staff_id, "work_date": "2026-01-02", "hours": "7.5", "job_title_code": 7,
        "pay_type_code": 2}})
    _, a3 = h.admit(t, r3, world.a.beds[1])
    taken = h.admit(t, r2, world.a.beds[1])[1]
    gone = t.op("create", {"kind": "note", "id": new_id(), "fields": {
        "resident_id": new_id(), "category": "progress", "clinical_time": "2026-01-02T10:00",
        "body": "For a resident never registered."}})
    second = [first[-1], n1, n2, n3, phone, hours, a3, taken, gone]  # the first one resent

    results: list[Any] = []
    ran = _statements(engine, lambda: results.extend(t.push(second).results))
    assert [r.status for r in results[:7]] == [OpStatus.APPLIED] * 7
    assert {r.status for r in results[7:]} == {OpStatus.REJECTED}
    assert len(ran) > 10
    scans = {statement: bad for statement, parameters in ran
             if (bad := _scans(engine, statement, parameters))}
    assert scans == {}


def test_the_current_stay_conditions_name_the_current_statuses():
    """The partial indexes' conditions (written as SQL literals, so SQLite can use
    them) say what the shared census rule calls a current stay."""
    listed = re.findall(r"'(\w+)'", str(STAY_IS_CURRENT))
    assert sorted(listed) == sorted(str(status) for status in census.CURRENT_STAY)
    assert str(STAY_HOLDS_BED).startswith(str(STAY_IS_CURRENT))
