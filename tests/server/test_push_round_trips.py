"""A push batch moves its facility's head row in one statement: the change
sequence (its reports' "data as of") and the audit chain's head together. On
PostgreSQL each statement is a round trip the push waits for."""

from typing import Any

import sqlalchemy as sa

from server.storage.models import T

from .test_prefetch import statements_while


def _head_updates(engine: sa.Engine, push: Any) -> int:
    """UPDATEs of facility_heads while ``push`` runs."""
    return statements_while(engine, lambda statement: statement.lstrip().upper().startswith(
        "UPDATE FACILITY_HEADS"), push)


def test_a_batch_moves_its_facility_head_in_one_statement(terminal, h, engine):
    t = terminal()
    rid, create = h.new_resident(t)
    _, note = h.note(t, rid)
    results: list[str] = []
    updates = _head_updates(engine, lambda: results.extend(
        r.status for r in t.push([create, note]).results))
    assert results == ["applied", "applied"]
    assert updates == 1
    with engine.connect() as conn:
        head = conn.execute(sa.select(T.heads).where(
            T.heads.c.facility_id == t.facility.id)).one()
        last_change = conn.execute(sa.select(sa.func.max(T.changes.c.seq)).where(
            T.changes.c.facility_id == t.facility.id)).scalar_one()
        last_entry = conn.execute(sa.select(T.audit.c.seq, T.audit.c.hash).where(
            T.audit.c.chain == t.facility.id).order_by(T.audit.c.seq.desc()).limit(1)).one()
    assert head.change_seq == last_change
    assert head.changed_at is not None
    assert (head.audit_seq, head.audit_head) == (last_entry.seq, last_entry.hash)


def test_a_batch_that_changes_no_record_leaves_the_change_sequence(terminal, h, engine):
    """A resend changes no record: the change sequence and its time stay."""
    t = terminal()
    _rid, create = h.new_resident(t)
    t.push([create])
    with engine.connect() as conn:
        before = conn.execute(sa.select(T.heads).where(
            T.heads.c.facility_id == t.facility.id)).one()
    t.push([create])
    with engine.connect() as conn:
        after = conn.execute(sa.select(T.heads).where(
            T.heads.c.facility_id == t.facility.id)).one()
    assert after.change_seq == before.change_seq
    assert after.changed_at == before.changed_at
