"""The hash-chained audit log: intact after work, and a direct edit is named exactly."""

import hashlib

import sqlalchemy as sa

from protocol.audit_log import entry_bytes as protocol_entry_bytes
from protocol.audit_log import entry_leaf
from protocol.codec import canonical
from server import admin
from server.storage.audit import HASHED_FIELDS, ChainWriter, entry_bytes
from server.storage.models import T


def test_entry_bytes_are_the_canonical_encoding():
    entry = {"chain": "c", "seq": 3, "at": 1, "actor": None, "terminal_id": "t",
             "facility_id": None, "action": "x", "target": None, "outcome": "applied",
             "purpose": "operations", "detail": {"z": [{"b": 1, "a": [2, {"d": 1, "c": 0}]}],
                                                 "a": "é"}}
    assert entry_bytes(entry) == canonical({k: entry[k] for k in HASHED_FIELDS})


def test_every_op_is_audited_and_chains_verify(terminal, h, engine, world):
    t = terminal()
    rid, create = h.new_resident(t)
    _, n = h.note(t, rid)
    t.push([create, n])
    ops = [a for a in h.audit_rows(engine, chain=world.a.id) if a.terminal_id == t.info.id]
    assert [a.action for a in ops][-2:] == ["create:resident", "create:note"]
    assert admin.verify_audit(engine) is None


def test_edited_entry_is_named(terminal, h, engine, world):
    t = terminal()
    t.push([h.new_resident(t)[1] for _ in range(3)])
    rows = h.audit_rows(engine, chain=world.a.id)
    victim = rows[len(rows) // 2]
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.update(T.audit).where(T.audit.c.chain == victim.chain,
                                              T.audit.c.seq == victim.seq)
                     .values(outcome="rejected"))
    problem = admin.verify_audit(engine)
    assert (problem.chain, problem.seq) == (world.a.id, victim.seq)


def test_removed_tail_is_detected(terminal, h, engine, world):
    t = terminal()
    t.push([h.new_resident(t)[1] for _ in range(2)])
    last = h.audit_rows(engine, chain=world.a.id)[-1]
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.delete(T.audit).where(T.audit.c.chain == last.chain,
                                              T.audit.c.seq == last.seq))
    problem = admin.verify_audit(engine)
    assert (problem.chain, problem.seq) == (world.a.id, last.seq)


def test_appended_entries_hash_their_canonical_bytes():
    """ChainWriter.append writes each entry in canonical order itself: its hash
    and leaf are those of protocol.audit_log.entry_bytes, nested detail included."""
    writer = ChainWriter("c", 0, "0" * 64)
    details = [None, {}, {"z": 1, "a": "é", "m": None}, {"flags": ["b", "a"], "seq": 2},
               {"z": [{"b": 1, "a": [2, {"d": 1, "c": 0}]}], "a": (1, {"y": 2, "x": 3})},
               {"k": {"b": {"d": 1, "c": 2.5}, "a": b"\x00"}}]
    for at, detail in enumerate(details):
        writer.append(at=at, action="x", outcome="applied", actor="u", terminal_id=None,
                      facility_id="c", target=None, purpose="operations", detail=detail)
    prev = "0" * 64
    for row, leaf in zip(writer.rows, writer.leaves, strict=True):
        data = protocol_entry_bytes(row)
        assert row["prev_hash"] == prev
        assert row["hash"] == hashlib.sha256(prev.encode() + data).hexdigest()
        assert leaf == entry_leaf(row)
        prev = row["hash"]
