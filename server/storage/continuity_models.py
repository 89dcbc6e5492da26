"""Tables that keep the server's history continuous across restores and clones.

``log_generations`` names each life of the change log: a random id made at
``init``, at a declared ``restore`` and when a restore is detected. Every pull
answer carries the current one with the log's head, so a terminal notices a
server that came back from a backup and re-sends what it no longer has.

``quarantined_ops`` keeps every operation that arrived under a quarantined
(cloned) terminal identity, whichever copy sent it, for a records manager to
review side by side; nothing from either copy is applied or dropped.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field

from .models import ID, ServerTable


class LogGeneration(ServerTable, table=True):
    __tablename__ = "log_generations"
    id: str = Field(primary_key=True, sa_type=sa.String(32))
    started_at: int = Field(sa_type=sa.BigInteger)
    reason: str = Field(sa_type=sa.String(32))
    """``init``, ``restore`` (declared) or ``detected`` (a terminal was ahead)."""
    detail: str = Field(default="", sa_type=sa.Text)


class QuarantinedOp(ServerTable, table=True):
    __tablename__ = "quarantined_ops"
    # By operation id: every push asks whether one of its operations was
    # decided at a review (migration 0008).
    __table_args__ = (sa.Index(None, "terminal_id", "seq"), sa.Index(None, "op_id"))
    id: int | None = Field(default=None, primary_key=True)
    terminal_id: str = Field(sa_type=ID)
    seq: int = Field(sa_type=sa.BigInteger)
    op_id: str = Field(sa_type=ID)
    payload_hash: str = Field(sa_type=sa.String(64))
    op: bytes = Field(sa_type=sa.LargeBinary)
    """The operation's wire form (msgpack), exactly as it arrived."""
    received_at: int = Field(sa_type=sa.BigInteger)
    origin: str = Field(sa_type=sa.String(16))
    """Which copy sent it, as far as the server can tell: ``epoch N``, the
    numbering epoch the request came under (each live copy has its own)."""
    review: str = Field(default="open", sa_type=sa.String(16))
    """``open`` until a records manager decides (:mod:`server.core.clone_review`):
    then ``applied``, ``conflict`` or ``rejected`` (accepted, with the outcome of
    applying it) or ``discarded``; ``resent`` when a re-enrolled copy sent it again;
    ``handled`` when the server had already handled it under that number."""


class Continuity:
    generations: ClassVar[sa.Table] = LogGeneration.__table__  # type: ignore[attr-defined]
    quarantined: ClassVar[sa.Table] = QuarantinedOp.__table__  # type: ignore[attr-defined]


C = Continuity


def ensure_generation(conn: Connection, now: int) -> None:
    """A database without a log generation gets its first one."""
    if conn.execute(sa.select(sa.func.count()).select_from(C.generations)).scalar_one() == 0:
        conn.execute(sa.insert(C.generations).values(
            id=secrets.token_hex(16), started_at=now, reason="init", detail=""))
