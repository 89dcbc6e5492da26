"""Terminals keep the facility's audit checkpoint: every pull brings the latest
one the server published, with the proof that it extends the one the terminal
held. A database owner who rewrites an entry (every later hash, node and the
head recomputed) or cuts the tail and moves the head back is caught at the
terminal's next pull once the server publishes again — and the terminal keeps
the checkpoint it held before."""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa

from client.store.database import get_meta
from protocol.audit_log import entry_bytes, entry_leaf
from protocol.merkle import node_hash
from server import admin
from server.storage.dashboard_models import D
from server.storage.merkle_models import L
from server.storage.models import T

from .conftest import resident

FIELDS = ("chain", "at", "actor", "terminal_id", "facility_id", "action", "target", "outcome",
          "purpose", "detail")


def rewrite(engine: sa.Engine, chain: str, *, keep: int, tail: list[dict[str, Any]]) -> None:
    """Keep the first ``keep`` entries, replace the rest, recompute every hash,
    node and the head, and forget the published checkpoints (a thorough forger)."""
    with engine.connect() as conn:
        log = [r._asdict() for r in conn.execute(
            sa.select(T.audit).where(T.audit.c.chain == chain, T.audit.c.seq <= keep)
            .order_by(T.audit.c.seq))]
    prev = log[-1]["hash"] if log else ""
    rows = []
    for seq, fields in enumerate(tail, keep + 1):
        entry = {**fields, "seq": seq}
        digest = hashlib.sha256(prev.encode() + entry_bytes(entry)).hexdigest()
        rows.append({**entry, "prev_hash": prev, "hash": digest})
        prev = digest
    leaves = [entry_leaf(e) for e in log + rows]
    nodes, level, level_nodes = [], 0, list(leaves)
    while level_nodes:
        nodes += [{"chain": chain, "level": level, "idx": i, "hash": n}
                  for i, n in enumerate(level_nodes)]
        level_nodes = [node_hash(level_nodes[i], level_nodes[i + 1])
                       for i in range(0, len(level_nodes) - 1, 2)]
        level += 1
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("audit", "audit_nodes", "audit_checkpoints"):
                conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
        else:
            for table in ("audit", "audit_nodes", "audit_checkpoints"):
                for event in ("update", "delete"):
                    conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_{event}"))
        conn.execute(sa.delete(T.audit).where(T.audit.c.chain == chain, T.audit.c.seq > keep))
        if rows:
            conn.execute(sa.insert(T.audit), rows)
        conn.execute(sa.delete(L.nodes).where(L.nodes.c.chain == chain))
        conn.execute(sa.insert(L.nodes), nodes)
        conn.execute(sa.delete(L.checkpoints).where(L.checkpoints.c.chain == chain))
        conn.execute(sa.update(T.heads).where(T.heads.c.facility_id == chain)
                     .values(audit_seq=len(leaves), audit_head=prev))


def entries(engine: sa.Engine, chain: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(T.audit).where(T.audit.c.chain == chain)
                                 .order_by(T.audit.c.seq)))


def held_size(session: Any) -> int:
    with session.store.read() as conn:
        return int((get_meta(conn, "audit_checkpoint") or {}).get("size", 0))


def synced_with_checkpoint(org: Any, session: Any) -> Any:
    session.residents.register(resident(family_name=f"Family{held_size(session)}"))
    report = session.sync()
    assert report.error is None
    admin.publish_checkpoints(org.engine, org.settings)  # what every process does on a timer
    return session.sync()


def test_a_terminal_keeps_the_checkpoint_and_its_last_pull_is_recorded(org):
    session = org.terminal(org.a, "clerk.MG")
    report = synced_with_checkpoint(org, session)
    assert not report.notices
    first = held_size(session)
    assert 0 < first <= len(entries(org.engine, org.a.id))
    report = synced_with_checkpoint(org, session)
    assert not report.notices and held_size(session) > first
    with org.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(D.pulls)).scalar_one() == 1
    session.lock()


def test_a_rewritten_history_is_caught_at_the_next_pull(org):
    session = org.terminal(org.a, "clerk.MG")
    synced_with_checkpoint(org, session)
    held = held_size(session)
    log = entries(org.engine, org.a.id)
    forged = [{k: getattr(e, k) for k in FIELDS} for e in log[2:]]
    forged[0]["outcome"] = "rejected"
    rewrite(org.engine, org.a.id, keep=2, tail=forged)
    assert admin.verify_audit(org.engine) is None  # the server alone cannot tell any more
    report = synced_with_checkpoint(org, session)
    alarm = " ".join(report.notices)
    assert "rewritten or cut" in alarm
    assert held_size(session) == held  # the honest checkpoint is kept
    with session.store.read() as conn:
        assert get_meta(conn, "audit_alarm") in report.notices
    session.lock()


def test_a_cut_tail_with_the_head_moved_back_is_caught_at_the_next_pull(org):
    session = org.terminal(org.a, "clerk.MG")
    synced_with_checkpoint(org, session)
    held = held_size(session)
    log = entries(org.engine, org.a.id)
    rewrite(org.engine, org.a.id, keep=held - 3,
            tail=[])
    admin.publish_checkpoints(org.engine, org.settings)  # a checkpoint of the shorter log
    report = session.sync()
    assert "entries were cut" in " ".join(report.notices)
    assert held_size(session) == held
    # Grown back past the old size, the log still does not extend what was held.
    while len(entries(org.engine, org.a.id)) <= held:
        report = synced_with_checkpoint(org, session)
    assert "rewritten or cut" in " ".join(report.notices)
    assert held_size(session) == held and len(log) >= held
    session.lock()
