"""The tables of the audit's Merkle trees: stored node hashes and published
checkpoints (signed tree heads). Both are insert-only, like the audit itself
(triggers refuse UPDATE and DELETE; see migration 0002).

Node ``(level, idx)`` of a chain's tree is the hash of its leaves
``idx·2^level`` to ``(idx+1)·2^level`` (exclusive): level 0 holds the leaves
(``SHA-256(0x00 || entry bytes)`` of entry ``seq = idx + 1``), and every
complete power-of-two subtree is stored once it is complete. So any inclusion or
consistency proof, and the root at any size, takes a few dozen indexed reads,
never a rehash of the log.
"""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from .models import ID, ServerTable


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
