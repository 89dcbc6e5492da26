"""The append-only, hash-chained audit log, and each chain's Merkle tree.

One chain per facility (``_system`` for events tied to none). Each entry's
hash is ``sha256(prev_hash + canonical(entry fields))``, so editing, removing
or reordering any entry breaks every later link; the chain's head (kept in
``facility_heads``) also catches a truncated tail. The same canonical bytes are
the entry's leaf in the chain's Merkle tree (:mod:`protocol.audit_log`,
:mod:`.audit_tree`), whose signed checkpoints let anyone outside the database
notice a history that was rewritten with every hash recomputed, or cut and its
head moved back. A push batch hashes its entries in memory
(:class:`ChainWriter`) and writes entries and tree nodes with one
``executemany`` each; the head row it updates is the one the batch already
locked. Verification is :mod:`.audit_verify`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.audit_log import HASHED_FIELDS
from protocol.codec import encode
from protocol.merkle import leaf_hash

from .audit_bytes import entry_bytes, sorted_value
from .audit_tree import TreeAppender
from .db import lock_heads
from .merkle_models import L
from .models import SYSTEM_CHAIN, T
from .rows import insert_many

__all__ = ["HASHED_FIELDS", "ChainWriter", "entry_bytes", "entry_hash", "record_event",
           "writer_for"]


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + entry_bytes(entry)).hexdigest()


class ChainWriter:
    """Appends to one chain inside a transaction that holds the chain's head lock."""

    def __init__(self, chain: str, seq: int, head: str) -> None:
        self.chain = chain
        self.seq = seq
        self.head = head
        self.rows: list[dict[str, Any]] = []
        self.leaves: list[bytes] = []

    def append(self, *, at: int, action: str, outcome: str, actor: str | None = None,
               terminal_id: str | None = None, facility_id: str | None = None,
               target: str | None = None, purpose: str = "operations",
               detail: dict[str, Any] | None = None) -> None:
        self.seq += 1
        # Written in canonical order (the hashed fields' names sorted, the
        # detail's keys sorted), so its encoding is the entry's canonical bytes.
        entry = {"action": action, "actor": actor, "at": at, "chain": self.chain,
                 "detail": sorted_value(detail or {}), "facility_id": facility_id,
                 "outcome": outcome, "purpose": purpose, "seq": self.seq, "target": target,
                 "terminal_id": terminal_id}
        data = encode(entry)
        digest = hashlib.sha256(self.head.encode() + data).hexdigest()
        self.leaves.append(leaf_hash(data))
        entry["prev_hash"] = self.head
        entry["hash"] = digest
        self.head = digest
        self.rows.append(entry)

    def write(self, conn: Connection, head: dict[str, Any] | None = None) -> None:
        """Insert the new entries and their tree nodes, and move the chain's head.
        ``head``: more of the head row's values to set in the same statement (a
        push batch's change sequence: one round trip to PostgreSQL, not two)."""
        values = dict(head or {})
        if self.rows:
            tree = TreeAppender.load(conn, self.chain, self.seq - len(self.rows))
            for leaf in self.leaves:
                tree.append(leaf)
            insert_many(conn, T.audit, self.rows)
            insert_many(conn, L.nodes, tree.rows)
            values.update(audit_seq=self.seq, audit_head=self.head)
            self.rows = []
            self.leaves = []
        if values:
            conn.execute(sa.update(T.heads).where(T.heads.c.facility_id == self.chain)
                         .values(**values))


def writer_for(head_row: Any) -> ChainWriter:
    return ChainWriter(head_row.facility_id, head_row.audit_seq, head_row.audit_head)


def record_event(conn: Connection, chain: str | None, **fields: Any) -> None:
    """Append one event in its own statement set (locks the chain's head).
    Used for rejections that happen outside a push batch.
    """
    chain_id = chain or SYSTEM_CHAIN
    heads = lock_heads(conn, [chain_id])
    if chain_id not in heads:
        chain_id = SYSTEM_CHAIN
        heads = lock_heads(conn, [chain_id])
    writer = writer_for(heads[chain_id])
    writer.append(**fields)
    writer.write(conn)
