"""The audit tree's stored layout: nodes below the lowest stored level are not
stored (each is computed from its entries), every complete node from it up is,
and a database written before, which holds every level, gives the same roots
and proofs and keeps growing — a chain can hold both layouts."""

from __future__ import annotations

import sqlalchemy as sa

from protocol.audit_log import entry_leaf, origin_for, verify_entry
from protocol.merkle import Checkpoint, leaf_hash, root_of, verify_consistency
from server import admin
from server.storage.audit_tree import TreeReader
from server.storage.db import read_tx
from server.storage.merkle_models import LOWEST_STORED_LEVEL, L
from server.storage.models import T


def log_of(engine, chain):
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(
            sa.select(T.audit).where(T.audit.c.chain == chain).order_by(T.audit.c.seq))]


def stored(engine, chain):
    with engine.connect() as conn:
        return {(r.level, r.idx): bytes(r.hash) for r in conn.execute(
            sa.select(L.nodes).where(L.nodes.c.chain == chain))}


def push(terminal_, h, batches, size=5):
    for _ in range(batches):
        terminal_.push([h.new_resident(terminal_)[1] for _ in range(size)])


def assert_served_as_computed(engine, chain):
    """Every root, and inclusion and consistency proofs at every size, as the
    leaves of the entries give them."""
    log = log_of(engine, chain)
    leaves = [entry_leaf(e) for e in log]
    with read_tx(engine) as conn:
        reader = TreeReader(conn, chain)
        for size in range(1, len(leaves) + 1):
            assert reader.root(size) == root_of(leaves[:size]), size
        n, root = len(leaves), root_of(leaves)
        head = Checkpoint(origin_for(chain), n, root)
        for entry in log:
            verify_entry(entry, reader.inclusion(entry["seq"], n), head)
        for old in range(1, n):
            verify_consistency(old, root_of(leaves[:old]), n, root,
                               reader.consistency(old, n))


def test_only_nodes_from_the_lowest_stored_level_are_written(terminal, h, engine, world):
    push(terminal(), h, 3)
    leaves = [entry_leaf(e) for e in log_of(engine, world.a.id)]
    nodes = stored(engine, world.a.id)
    size = len(leaves)
    assert size >= 16
    expected = {(level, idx) for level in range(LOWEST_STORED_LEVEL, size.bit_length())
                for idx in range(size >> level)}
    assert set(nodes) == expected
    for (level, idx), digest in nodes.items():
        assert digest == root_of(leaves[idx << level:(idx + 1) << level])
    assert_served_as_computed(engine, world.a.id)
    assert admin.verify_audit(engine) is None


def test_a_chain_written_with_every_level_stored_keeps_working(terminal, h, engine, world):
    t = terminal()
    push(t, h, 2)
    chain = world.a.id
    # The layout before: every leaf and node stored (the forger's helper
    # writes exactly that for the entries it keeps).
    old_size = len(log_of(engine, chain))
    if old_size % 2 == 0:  # end on an unpaired stored leaf, the frontier's last
        push(t, h, 1, size=1)
        old_size = len(log_of(engine, chain))
    h.rewrite_audit(engine, chain, keep=old_size, new_tail=[])
    assert (0, old_size - 1) in stored(engine, chain)
    assert_served_as_computed(engine, chain)
    push(t, h, 2)  # grows from the old layout's frontier
    nodes = stored(engine, chain)
    size = len(log_of(engine, chain))
    assert size > old_size
    assert max(idx for level, idx in nodes if level == 0) == old_size - 1
    assert_served_as_computed(engine, chain)
    assert admin.verify_audit(engine) is None


def test_an_edited_leaf_of_the_old_layout_is_named(terminal, h, engine, world):
    push(terminal(), h, 2)
    chain = world.a.id
    h.rewrite_audit(engine, chain, keep=len(log_of(engine, chain)), new_tail=[])
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.update(L.nodes).where(L.nodes.c.chain == chain, L.nodes.c.level == 0,
                                              L.nodes.c.idx == 6)
                     .values(hash=leaf_hash(b"forged")))
    problem = admin.verify_audit(engine)
    assert (problem.chain, problem.seq) == (chain, 7)
    assert "stored leaf" in problem.problem


def test_a_missing_node_and_a_node_past_the_end_are_named(terminal, h, engine, world):
    push(terminal(), h, 3)
    chain = world.a.id
    log = log_of(engine, chain)
    size = len(log)
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.delete(L.nodes).where(L.nodes.c.chain == chain,
                                              L.nodes.c.level == LOWEST_STORED_LEVEL,
                                              L.nodes.c.idx == 0))
    problem = admin.verify_audit(engine)
    assert (problem.chain, problem.seq) == (chain, 1)
    assert f"tree node ({LOWEST_STORED_LEVEL}, 0)" in problem.problem
    span = 1 << LOWEST_STORED_LEVEL
    with engine.begin() as conn:
        conn.execute(sa.insert(L.nodes), [{"chain": chain, "level": LOWEST_STORED_LEVEL,
                                           "idx": 0, "hash": root_of([entry_leaf(e)
                                                                      for e in log[:span]])},
                                          {"chain": chain, "level": LOWEST_STORED_LEVEL,
                                           "idx": size >> LOWEST_STORED_LEVEL,
                                           "hash": leaf_hash(b"ahead")}])
    problem = admin.verify_audit(engine)
    assert (problem.chain, problem.seq) == (chain, size + 1)
    assert "removed" in problem.problem
