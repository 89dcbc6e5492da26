"""The append-only, hash-chained audit log.

One chain per facility (``_system`` for events tied to none). Each entry's
hash is ``sha256(prev_hash + canonical(entry fields))``, so editing, removing
or reordering any entry breaks every later link; the chain's head (kept in
``facility_heads``) also catches a truncated tail. A push batch hashes its
entries in memory (:class:`ChainWriter`) and writes them with one
``executemany``; the head row it updates is the one the batch already locked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.codec import encode

from .db import insert_many, lock_heads
from .models import SYSTEM_CHAIN, T

HASHED_FIELDS = ("chain", "seq", "at", "actor", "terminal_id", "facility_id", "action",
                 "target", "outcome", "purpose", "detail")


_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))


def _sorted_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_value(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted_value(v) for v in value]
    return value


def entry_bytes(entry: dict[str, Any]) -> bytes:
    """Exactly ``protocol.codec.canonical`` of the hashed fields (a test holds
    it to that), built without walking every scalar: a push hashes thousands.
    """
    return encode({name: _sorted_value(entry[name]) if name == "detail" else entry[name]
                   for name in _SORTED_FIELDS})


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + entry_bytes(entry)).hexdigest()


class ChainWriter:
    """Appends to one chain inside a transaction that holds the chain's head lock."""

    def __init__(self, chain: str, seq: int, head: str) -> None:
        self.chain = chain
        self.seq = seq
        self.head = head
        self.rows: list[dict[str, Any]] = []

    def append(self, *, at: int, action: str, outcome: str, actor: str | None = None,
               terminal_id: str | None = None, facility_id: str | None = None,
               target: str | None = None, purpose: str = "operations",
               detail: dict[str, Any] | None = None) -> None:
        self.seq += 1
        entry = {"chain": self.chain, "seq": self.seq, "at": at, "actor": actor,
                 "terminal_id": terminal_id, "facility_id": facility_id, "action": action,
                 "target": target, "outcome": outcome, "purpose": purpose,
                 "detail": detail or {}}
        digest = entry_hash(self.head, entry)
        entry["prev_hash"] = self.head
        entry["hash"] = digest
        self.head = digest
        self.rows.append(entry)

    def write(self, conn: Connection) -> None:
        """Insert the new entries and move the chain's head."""
        if not self.rows:
            return
        insert_many(conn, T.audit, self.rows)
        conn.execute(sa.update(T.heads).where(T.heads.c.facility_id == self.chain)
                     .values(audit_seq=self.seq, audit_head=self.head))
        self.rows = []


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


@dataclass(frozen=True)
class AuditBreak:
    chain: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit chain {self.chain!r} breaks at entry {self.seq}: {self.problem}"


def verify_audit(conn: Connection) -> AuditBreak | None:
    """Walk every chain from its start; name the first entry that does not hold."""
    heads = conn.execute(sa.select(T.heads).order_by(T.heads.c.facility_id)).all()
    for head in heads:
        problem = _verify_chain(conn, head)
        if problem is not None:
            return problem
    return None


def _verify_chain(conn: Connection, head: Any) -> AuditBreak | None:
    prev_hash = ""
    expected_seq = 1
    for row in _entries(conn, head.facility_id):
        entry = row._asdict()
        if entry["seq"] != expected_seq:
            return AuditBreak(head.facility_id, expected_seq, "entry missing")
        if entry["prev_hash"] != prev_hash:
            return AuditBreak(head.facility_id, entry["seq"], "link to the previous entry broken")
        if entry_hash(prev_hash, entry) != entry["hash"]:
            return AuditBreak(head.facility_id, entry["seq"], "entry altered")
        prev_hash = entry["hash"]
        expected_seq += 1
    if expected_seq - 1 != head.audit_seq or prev_hash != head.audit_head:
        return AuditBreak(head.facility_id, expected_seq,
                          "entries after this point were removed")
    return None


def _entries(conn: Connection, chain: str, page: int = 5000) -> Iterator[Any]:
    after = 0
    while True:
        rows = conn.execute(sa.select(T.audit).where(T.audit.c.chain == chain,
                                                     T.audit.c.seq > after)
                            .order_by(T.audit.c.seq).limit(page)).all()
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].seq
