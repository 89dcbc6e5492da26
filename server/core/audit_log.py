"""The audit log as others see it: signed checkpoints, proofs, consistency
statements and signed bundles, over the trees :mod:`server.storage.audit_tree`
keeps.

Stateless across processes: everything is read from the database and signed
with the one server key, so any server process can answer any of it.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection, Engine

from protocol.audit_log import HASHED_FIELDS
from protocol.bundles import AuditProof, Earlier, consistency_statement, make_bundle
from protocol.merkle import Checkpoint, ProofError
from server.errors import NotFound
from server.settings import Settings
from server.storage import checkpoints
from server.storage.audit_tree import TreeReader
from server.storage.checkpoints import Published
from server.storage.db import read_tx, write_tx
from server.storage.keys import load_server_key
from server.storage.models import T

HASHED = HASHED_FIELDS


class AuditLog:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def key(self) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                with read_tx(self.engine) as conn:
                    self._key = load_server_key(conn, self.settings)
            return self._key

    def publish_due(self) -> list[Published]:
        """A checkpoint of every chain that grew since its last one."""
        with write_tx(self.engine) as conn:
            return checkpoints.publish(conn, self.key(), self.settings.clock())

    def current(self, chain: str) -> Published:
        """A checkpoint covering the chain as it is now (published if need be)."""
        with write_tx(self.engine) as conn:
            self._need_chain(conn, chain)
            return checkpoints.current_checkpoint(conn, self.key(), chain,
                                                  self.settings.clock())

    def statement(self, chain: str, old_size: int) -> dict[str, Any]:
        """Proof that the chain today extends its log of ``old_size`` entries."""
        published = self.current(chain)
        size = published.checkpoint.size
        if old_size < 0 or old_size > size:
            raise NotFound(f"the audit log of {chain} has {size} entries, not {old_size}")
        with read_tx(self.engine) as conn:
            proof = TreeReader(conn, chain).consistency(old_size, size)
        return consistency_statement(published.checkpoint, old_size, proof)

    def bundle(self, *, chain: str, facility_name: str, title: str,
               files: Mapping[str, bytes], entry_seqs: Sequence[int]) -> bytes:
        """A signed bundle (zip) of ``files`` with inclusion proofs for the
        chain's entries ``entry_seqs`` and consistency from the last earlier
        checkpoint."""
        checkpoint = self.current(chain).checkpoint
        with read_tx(self.engine) as conn:
            reader = TreeReader(conn, chain)
            rows = conn.execute(sa.select(T.audit).where(
                T.audit.c.chain == chain, T.audit.c.seq.in_(list(entry_seqs)),
                T.audit.c.seq <= checkpoint.size).order_by(T.audit.c.seq)).all()
            proofs = [AuditProof({k: getattr(row, k) for k in HASHED},
                                 reader.inclusion(row.seq, checkpoint.size)) for row in rows]
            earlier_row = checkpoints.before(conn, chain, checkpoint.size)
            earlier = None if earlier_row is None else Earlier(
                earlier_row.checkpoint,
                reader.consistency(earlier_row.checkpoint.size, checkpoint.size))
        contents = make_bundle(key=self.key(), title=title, produced_at=self.settings.clock(),
                               facility_id=chain, facility_name=facility_name, files=files,
                               checkpoint=checkpoint, entries=proofs, earlier=earlier)
        return zip_bundle(contents)

    def public_key(self) -> bytes:
        return self.key().public_key().public_bytes_raw()

    @staticmethod
    def _need_chain(conn: Any, chain: str) -> None:
        found = conn.execute(sa.select(T.heads.c.facility_id).where(
            T.heads.c.facility_id == chain)).first()
        if found is None:
            raise NotFound(f"no audit log {chain}")


def for_terminal(conn: Connection, chain: str, held_size: int
                 ) -> tuple[Checkpoint | None, list[bytes]]:
    """What a pull carries: the chain's latest published checkpoint and the
    consistency proof from the size the terminal holds (none when it holds none,
    the same size, or more — the terminal then sees that the log shrank). A tree
    that can no longer prove it (rewritten or cut) gives no proof, and the
    terminal's check fails, as it should."""
    published = checkpoints.latest(conn, chain)
    if published is None:
        return None, []
    checkpoint = published.checkpoint
    if not 0 < held_size < checkpoint.size:
        return checkpoint, []
    try:
        return checkpoint, TreeReader(conn, chain).consistency(held_size, checkpoint.size)
    except (LookupError, ProofError):
        return checkpoint, []


def zip_bundle(contents: Mapping[str, bytes]) -> bytes:
    """The bundle's files in a zip, in a fixed order, with fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(contents):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name])
    return out.getvalue()
