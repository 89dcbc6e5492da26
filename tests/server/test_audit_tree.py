"""The audit's Merkle trees: built as entries are written, proofs served from
stored nodes, checkpoints published by any process, the log insert-only, and
the two forgeries a hash chain alone cannot see — a rewritten entry with every
later hash recomputed, and a cut tail with the head moved back — named."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from protocol.audit_log import checkpoint_to_json, entry_leaf, verify_entry
from protocol.merkle import leaf_hash, root_of, verify_consistency
from server import admin
from server.storage import checkpoints
from server.storage.audit_tree import TreeReader
from server.storage.db import make_engine, read_tx, write_tx
from server.storage.keys import load_server_key
from server.storage.merkle_models import L
from server.storage.models import T


def publish(engine, settings, now=1):
    with write_tx(engine) as conn:
        return checkpoints.publish(conn, load_server_key(conn, settings), now)


def entries(engine, chain):
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(
            sa.select(T.audit).where(T.audit.c.chain == chain).order_by(T.audit.c.seq))]


def busy_facility(terminal, h, n_batches=3):
    t = terminal()
    for _ in range(n_batches):
        t.push([h.new_resident(t)[1] for _ in range(5)])
    return t


def test_tree_root_and_proofs_match_the_entries(terminal, h, engine, world, settings):
    busy_facility(terminal, h)
    published = {p.chain: p.checkpoint for p in publish(engine, settings)}
    log = entries(engine, world.a.id)
    leaves = [entry_leaf(e) for e in log]
    cp = published[world.a.id]
    assert (cp.size, cp.root) == (len(log), root_of(leaves))
    with read_tx(engine) as conn:
        reader = TreeReader(conn, world.a.id)
        for e in (log[0], log[len(log) // 2], log[-1]):
            verify_entry(e, reader.inclusion(e["seq"], cp.size), cp)
        for old in (1, 5, 8, len(log) - 1):
            verify_consistency(old, root_of(leaves[:old]), cp.size, cp.root,
                               reader.consistency(old, cp.size))


def test_checkpoints_are_published_once_per_size_by_any_process(terminal, h, engine, world,
                                                                 settings):
    busy_facility(terminal, h, 1)
    first = publish(engine, settings)
    assert {p.chain for p in first} >= {world.a.id, world.b.id}
    assert publish(engine, settings) == []  # nothing grew
    other = make_engine(settings.database_url)  # a second server process
    try:
        busy_facility(terminal, h, 1)
        a, b = publish(engine, settings, 2), publish(other, settings, 2)
        assert [p.chain for p in a] == [world.a.id] and b == []
    finally:
        other.dispose()
    with read_tx(engine) as conn:
        sizes = [p.checkpoint.size for p in checkpoints.all_of(conn, world.a.id)]
        key = load_server_key(conn, settings).public_key()
        for p in checkpoints.all_of(conn, world.a.id):
            p.checkpoint.verify(key)
    assert sizes == sorted(set(sizes)) and len(sizes) == 2


@pytest.mark.parametrize("table", ["audit", "audit_nodes", "audit_checkpoints"])
def test_the_server_cannot_change_or_remove_audit_rows(terminal, h, engine, world, table,
                                                      settings):
    busy_facility(terminal, h)  # enough entries for a stored tree node
    publish(engine, settings)
    for statement in (f"UPDATE {table} SET chain = chain", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert admin.verify_audit(engine) is None


def forget_checkpoints(engine, h, chain):
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.delete(L.checkpoints).where(L.checkpoints.c.chain == chain))


def held_checkpoint(engine, chain):
    with read_tx(engine) as conn:
        return checkpoints.latest(conn, chain).checkpoint


def test_a_rewritten_entry_with_every_hash_recomputed_is_named(terminal, h, engine, world,
                                                              settings):
    busy_facility(terminal, h)
    publish(engine, settings)
    held = held_checkpoint(engine, world.a.id)
    log = entries(engine, world.a.id)
    victim = len(log) // 2
    forged = [{k: e[k] for k in e if k not in ("prev_hash", "hash")} for e in log[victim:]]
    forged[0]["outcome"] = "rejected"
    h.rewrite_audit(engine, world.a.id, keep=victim, new_tail=forged)
    problem = admin.verify_audit(engine)
    assert problem.chain == world.a.id and "rewritten" in problem.problem
    # Remove the stored checkpoints too: only a checkpoint held outside shows it.
    forget_checkpoints(engine, h, world.a.id)
    assert admin.verify_audit(engine) is None
    problem = admin.verify_audit(engine, held=[held])
    assert problem.chain == world.a.id and "rewritten" in problem.problem


def test_a_cut_tail_with_the_head_moved_back_is_named(terminal, h, engine, world, settings):
    busy_facility(terminal, h)
    publish(engine, settings)
    held = held_checkpoint(engine, world.a.id)
    keep = held.size - 4
    h.rewrite_audit(engine, world.a.id, keep=keep, new_tail=[])
    problem = admin.verify_audit(engine)
    assert (problem.chain, problem.seq) == (world.a.id, keep + 1)
    assert "were cut" in problem.problem
    forget_checkpoints(engine, h, world.a.id)
    assert admin.verify_audit(engine) is None
    problem = admin.verify_audit(engine, held=[held])
    assert (problem.chain, "were cut" in problem.problem) == (world.a.id, True)


def test_a_stored_node_edited_on_its_own_is_named(terminal, h, engine, world):
    busy_facility(terminal, h)
    # The lowest stored level (4): node (4, 0) covers entries 1 to 16.
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.update(L.nodes).where(L.nodes.c.chain == world.a.id,
                                              L.nodes.c.level == 4, L.nodes.c.idx == 0)
                     .values(hash=leaf_hash(b"forged")))
    problem = admin.verify_audit(engine)
    assert (problem.chain, problem.seq) == (world.a.id, 1)
    assert "tree node (4, 0)" in problem.problem


def test_a_checkpoint_signed_by_another_key_is_named(terminal, h, engine, world, settings):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    busy_facility(terminal, h, 1)
    publish(engine, settings)
    held = held_checkpoint(engine, world.a.id)
    foreign = type(held)(held.origin, held.size, held.root).signed(
        Ed25519PrivateKey.generate())
    problem = admin.verify_audit(engine, held=[foreign])
    assert "not signed by this server" in problem.problem
    assert checkpoint_to_json(held)["size"] == held.size
