"""The tables of the audit's Merkle trees: stored node hashes and published
checkpoints (signed tree heads). Both are insert-only, like the audit itself
(triggers refuse UPDATE and DELETE; see migration 0002).

Node ``(level, idx)`` of a chain's tree is the hash of its leaves
``idx·2^level`` to ``(idx+1)·2^level`` (exclusive): level 0 holds the leaves
(``SHA-256(0x00 || entry bytes)`` of entry ``seq = idx + 1``). Every complete
power-of-two subtree of level :data:`LOWEST_STORED_LEVEL` or above is stored
once it is complete, so any inclusion or consistency proof, and the root at any
size, takes a few dozen indexed reads, never a rehash of the log.

Nodes below that level are not stored: a leaf is a hash of its entry's
canonical bytes, which the ``audit`` row already holds, and a node of levels 1
to 3 is a hash of at most eight such leaves. Storing leaves wrote a second row
per entry; storing levels 1 to 3 wrote another 7 rows per 8 entries (about
2 µs of a push's SQLite work per operation) for nothing the entries cannot give.
When a proof, a root or a push's frontier needs one, it is computed from the
entries it covers (:func:`.audit_tree.load_nodes`; at most
``2^LOWEST_STORED_LEVEL`` entries per node, at most 15 for a push's frontier).
A database written before holds lower levels; a stored low node is read as
before, and it equals the one computed, so every layout, and a chain that holds
several, gives the same roots and proofs. The verifier checks every stored
node, and requires every node from this level up.

Level 4 is the lowest stored (one row per 16 entries). An edit of an unstored
node cannot be made: what a proof serves below level 4 is computed from the
entries, whose own hashes the verifier checks.
"""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from .models import ID, ServerTable

LOWEST_STORED_LEVEL = 4
"""Nodes of lower levels are computed from the audit entries when needed."""


class AuditNode(ServerTable, table=True):
    __tablename__ = "audit_nodes"
    chain: str = Field(primary_key=True, sa_type=ID)
    level: int = Field(primary_key=True, sa_type=sa.SmallInteger)
    idx: int = Field(primary_key=True, sa_type=sa.BigInteger)
    hash: bytes = Field(sa_type=sa.LargeBinary)


class AuditCheckpoint(ServerTable, table=True):
    """A signed tree head: the chain had ``size`` entries with ``root``. Several
    server processes may publish the same one; the key makes that harmless."""

    __tablename__ = "audit_checkpoints"
    chain: str = Field(primary_key=True, sa_type=ID)
    size: int = Field(primary_key=True, sa_type=sa.BigInteger)
    root: bytes = Field(sa_type=sa.LargeBinary)
    signature: bytes = Field(sa_type=sa.LargeBinary)
    published_at: int = Field(sa_type=sa.BigInteger)


class LogTables:
    nodes: ClassVar[sa.Table] = AuditNode.__table__  # type: ignore[attr-defined]
    checkpoints: ClassVar[sa.Table] = AuditCheckpoint.__table__  # type: ignore[attr-defined]


L = LogTables
