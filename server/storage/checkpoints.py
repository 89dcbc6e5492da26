"""Signed checkpoints (tree heads) of every audit chain, and the proofs served
against them.

Publishing is stateless and safe from any number of server processes: each
reads a chain's size from its head row and the root from stored nodes, signs
with the server key (Ed25519 signatures are deterministic, so two processes
sign the same bytes alike) and inserts, ignoring a row that is already there.
The server publishes every few minutes (:mod:`server.http.app` runs the loop)
and on demand (:func:`current_checkpoint`), so a checkpoint is never older
than the interval and a bundle or pull can always have one that covers now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from protocol.audit_log import origin_for
from protocol.merkle import Checkpoint

from .audit_tree import TreeReader
from .merkle_models import L
from .models import T

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    chain: str
    checkpoint: Checkpoint
    published_at: int


def _insert_ignoring_existing(conn: Connection, row: dict[str, object]) -> None:
    table = L.checkpoints
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(table).values(**row).on_conflict_do_nothing())
    else:
        conn.execute(sqlite.insert(table).values(**row).on_conflict_do_nothing())


def sign_checkpoint(conn: Connection, key: Ed25519PrivateKey, chain: str,
                    size: int) -> Checkpoint:
    root = TreeReader(conn, chain).root(size)
    return Checkpoint(origin_for(chain), size, root).signed(key)


def publish(conn: Connection, key: Ed25519PrivateKey, now: int,
            chains: list[str] | None = None) -> list[Published]:
    """Publish a checkpoint of every chain (or of ``chains``) that grew since its
    latest one; return those published."""
    heads, cps = T.heads, L.checkpoints
    latest = (sa.select(cps.c.chain, sa.func.max(cps.c.size).label("size"))
              .group_by(cps.c.chain).subquery())
    stmt = (sa.select(heads.c.facility_id, heads.c.audit_seq)
            .select_from(heads.outerjoin(latest, latest.c.chain == heads.c.facility_id))
            .where(heads.c.audit_seq > sa.func.coalesce(latest.c.size, 0))
            .order_by(heads.c.facility_id))
    if chains is not None:
        stmt = stmt.where(heads.c.facility_id.in_(chains))
    out = []
    for chain, size in conn.execute(stmt).all():
        checkpoint = sign_checkpoint(conn, key, chain, size)
        _insert_ignoring_existing(conn, {"chain": chain, "size": size, "root": checkpoint.root,
                                         "signature": checkpoint.signature,
                                         "published_at": now})
        out.append(Published(chain, checkpoint, now))
    return out


def _from_row(chain: str, row: Any) -> Published:
    return Published(chain, Checkpoint(origin_for(chain), row.size, bytes(row.root),
                                       bytes(row.signature)), row.published_at)


def latest(conn: Connection, chain: str) -> Published | None:
    cps = L.checkpoints
    row = conn.execute(sa.select(cps.c.size, cps.c.root, cps.c.signature, cps.c.published_at)
                       .where(cps.c.chain == chain).order_by(cps.c.size.desc()).limit(1)
                       ).first()
    return None if row is None else _from_row(chain, row)


def at_size(conn: Connection, chain: str, size: int) -> Published | None:
    cps = L.checkpoints
    row = conn.execute(sa.select(cps.c.size, cps.c.root, cps.c.signature, cps.c.published_at)
                       .where(cps.c.chain == chain, cps.c.size == size)).first()
    return None if row is None else _from_row(chain, row)


def before(conn: Connection, chain: str, size: int) -> Published | None:
    """The latest checkpoint of a smaller size (a bundle's "earlier" one)."""
    cps = L.checkpoints
    row = conn.execute(sa.select(cps.c.size, cps.c.root, cps.c.signature, cps.c.published_at)
                       .where(cps.c.chain == chain, cps.c.size < size, cps.c.size > 0)
                       .order_by(cps.c.size.desc()).limit(1)).first()
    return None if row is None else _from_row(chain, row)


def all_of(conn: Connection, chain: str, *, from_size: int = 0) -> list[Published]:
    """The chain's checkpoints by size (those of ``from_size`` entries or more)."""
    cps = L.checkpoints
    rows = conn.execute(sa.select(cps.c.size, cps.c.root, cps.c.signature, cps.c.published_at)
                        .where(cps.c.chain == chain, cps.c.size >= from_size)
                        .order_by(cps.c.size)).all()
    return [_from_row(chain, row) for row in rows]


def current_checkpoint(conn: Connection, key: Ed25519PrivateKey, chain: str,
                       now: int) -> Published:
    """A checkpoint of the chain as it is now, signed over the root its stored
    tree gives now: the published one of this size if it states the same root,
    else a new one, published. A stored checkpoint that disagrees with the tree,
    or one larger than the log, means the log was rewritten or cut: the new
    checkpoint is still signed for what is there (holders of the earlier one
    then see the break) and the server logs an error. Call in a write
    transaction."""
    size = conn.execute(sa.select(T.heads.c.audit_seq).where(
        T.heads.c.facility_id == chain)).scalar_one()
    checkpoint = sign_checkpoint(conn, key, chain, size)
    if size == 0:
        return Published(chain, checkpoint, now)
    stored = at_size(conn, chain, size)
    if stored is not None and stored.checkpoint.root == checkpoint.root:
        return stored
    newest = latest(conn, chain)
    if stored is not None or (newest is not None and newest.checkpoint.size > size):
        log.error("the audit log of %s no longer matches its published checkpoints; "
                  "run chartkeep-server verify-audit", chain)
    if stored is None:
        _insert_ignoring_existing(conn, {"chain": chain, "size": size, "root": checkpoint.root,
                                         "signature": checkpoint.signature,
                                         "published_at": now})
    return Published(chain, checkpoint, now)
