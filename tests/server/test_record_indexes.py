"""The partial indexes of migration 0010: a note enters none of ``records``'
look-up indexes, a clerk's audit entry not the one by actor, and every query
that read through them still does."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from protocol.ops import OpStatus
from server.reports import loading
from server.storage.batch import Batch
from server.storage.db import read_tx
from server.storage.models import LOOKED_UP_ACTOR, T

PARTIAL = {"ix_records_facility_id_match_key": "match_key IS NOT NULL",
           "ix_records_facility_id_mrn": "mrn IS NOT NULL",
           "ix_records_facility_id_work_day": "kind = 'hours'",
           "ix_audit_actor": "actor LIKE 'inspector:%' OR actor LIKE 'emergency:%' OR "
                             "actor LIKE 'portal:%'"}


def _index_sql(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name IN ('records', 'audit')").all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                "('records', 'audit') AND schemaname = current_schema()").all()
    return {name: sql or "" for name, sql in rows}


def test_the_look_up_indexes_hold_only_the_rows_they_find(engine):
    found = _index_sql(engine)
    for name, condition in PARTIAL.items():
        # PostgreSQL writes the condition back its own way (casts, brackets,
        # ``~~`` for LIKE).
        words = condition.replace("'", "").split()
        text = found[name].split(" WHERE ", 1)[1].replace("'", "").replace("~~", "LIKE")
        assert all(word in text for word in words), (name, found[name])
    assert "ix_records_facility_id_kind_work_day" not in found


def _plans(engine: sa.Engine, run: Any) -> list[str]:
    """SQLite's plan of every read of ``records`` or ``audit`` that ``run(conn)``
    makes."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if "FROM records" in statement or "FROM audit" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with read_tx(engine) as conn:
            run(conn)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn:
        return [" | ".join(row[-1] for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters).all())
            for statement, parameters in seen]


def test_the_batch_and_the_reports_still_read_through_them(terminal, h, world, engine):
    if engine.dialect.name != "sqlite":
        return  # the plans are SQLite's; PostgreSQL's index conditions: the test above
    t = terminal(username="rm_MG")
    _rid, created = h.new_resident(t)
    assert t.push([created]).results[0].status == OpStatus.APPLIED

    def batch_reads(conn: Any) -> None:
        batch = Batch(conn, [world.a.id], 0)
        batch.prefetch_match_keys(world.a.id, ["doe|jane|1950-01-01"])
        batch.prefetch_mrns(world.a.id, ["A-1", "A-2"])

    def report_reads(conn: Any) -> None:
        loading.load_facts(conn, world.a.id, kinds={"facility", "hours"},
                           hours_days=lambda _: (date(2026, 3, 1), date(2026, 7, 31)))

    match_keys, mrns = _plans(engine, batch_reads)[-2:]
    assert "ix_records_facility_id_match_key" in match_keys
    assert "ix_records_facility_id_mrn" in mrns
    in_window, undated = _plans(engine, report_reads)[-2:]
    assert "ix_records_facility_id_work_day" in in_window
    assert "work_day>" in in_window
    assert "ix_records_facility_id_work_day" in undated


def test_an_inspectors_views_are_still_found_by_actor(engine):
    if engine.dialect.name != "sqlite":
        return
    views = sa.select(T.audit.c.seq).where(T.audit.c.actor == "inspector:X", LOOKED_UP_ACTOR)
    (plan,) = _plans(engine, lambda conn: conn.execute(views).all())
    assert "ix_audit_actor" in plan


def test_emergency_accesses_and_their_reviews_are_found_by_actor(engine):
    """The dashboard counts each facility's emergency accesses to review on every
    load: both reads go through the actor index, never a facility's whole chain."""
    from server.portal.emergency_access import to_review_counts

    if engine.dialect.name != "sqlite":
        return
    plans = _plans(engine, lambda conn: to_review_counts(conn, ["F"]))
    assert len(plans) == 2
    assert all("ix_audit_actor" in plan for plan in plans), plans
