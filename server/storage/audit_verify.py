"""Checking the audit: every chain's hash links, its Merkle tree, and its
history against signed checkpoints.

For each chain, one pass over its entries in order:

1. the hash chain (as before the Merkle tree existed): every ``prev_hash`` link
   and every entry hash, and the head row's count and hash at the end;
2. the tree: each entry's leaf is recomputed from its bytes and every stored
   node is compared with the one the entries give (page by page, so memory
   stays bounded), so a node that was edited on its own is named; every node
   from the lowest stored level up must be there (below it, a database written
   before this layout holds them, one written since does not: either is whole);
3. history: every checkpoint the server published, and every checkpoint a
   holder brings from outside (``verify-audit --against``), must be signed by
   the server key and be a prefix of the log as it is now, proven with the
   consistency proof the server would serve. A history rewritten with every
   hash recomputed, or cut with the head moved back, fails here — against the
   stored checkpoints unless those were rewritten too, and against any
   checkpoint held outside the database in every case.

:func:`verify_chain_since` is the dashboard's check: it starts where its last
check stopped (``audit_verified``) and reads only the entries since; its
docstring says what that proves and what only the full check proves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Connection

from protocol.audit_log import chain_of
from protocol.merkle import EMPTY_ROOT, Checkpoint, ProofError, leaf_hash, verify_consistency

from . import checkpoints
from .audit import entry_bytes
from .audit_tree import TreeAppender, TreeReader, frontier_keys, load_nodes
from .merkle_models import LOWEST_STORED_LEVEL, L
from .models import T

PAGE = 4096


@dataclass(frozen=True)
class AuditBreak:
    chain: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit chain {self.chain!r} breaks at entry {self.seq}: {self.problem}"


def verify_audit(conn: Connection, public_key: bytes | Sequence[bytes] | None = None,
                 held: Iterable[Checkpoint] = ()) -> AuditBreak | None:
    """Name the first entry that does not hold, in any chain. ``public_key``:
    the server's, or every key it has had (a checkpoint must be signed by one of
    them; none given: signatures are not checked); ``held``: checkpoints kept
    outside the database."""
    keys = [public_key] if isinstance(public_key, bytes) else list(public_key or ())
    outside: dict[str, list[Checkpoint]] = {}
    for checkpoint in held:
        try:
            outside.setdefault(chain_of(checkpoint.origin), []).append(checkpoint)
        except ProofError:
            return AuditBreak(checkpoint.origin, 0, "the checkpoint is not of a Chartkeep "
                              "audit log")
    heads = conn.execute(sa.select(T.heads).order_by(T.heads.c.facility_id)).all()
    known = {head.facility_id for head in heads}
    for chain in sorted(set(outside) - known):
        return AuditBreak(chain, 1, "a checkpoint names a log the database no longer has")
    for head in heads:
        found = _verify_chain(conn, head, keys, outside.get(head.facility_id, []))
        if isinstance(found, AuditBreak):
            return found
    return None


def verify_chain(conn: Connection, chain: str,
                 public_key: bytes | Sequence[bytes] | None = None) -> AuditBreak | None:
    """:func:`verify_audit` for one chain."""
    keys = [public_key] if isinstance(public_key, bytes) else list(public_key or ())
    head = conn.execute(sa.select(T.heads).where(T.heads.c.facility_id == chain)).first()
    if head is None:
        return AuditBreak(chain, 1, "the database has no such log")
    found = _verify_chain(conn, head, keys, [])
    return found if isinstance(found, AuditBreak) else None


@dataclass(frozen=True)
class Verified:
    """What a check of one chain verified: its first ``size`` entries, the last of
    which hashes to ``head``, give the Merkle tree whose complete subtrees are
    ``frontier`` (largest first) and whose root is ``root``, all recomputed from
    the entries' bytes."""

    size: int
    head: str
    frontier: tuple[bytes, ...]
    root: bytes


NOTHING_VERIFIED = Verified(0, "", (), EMPTY_ROOT)


def verify_chain_since(conn: Connection, chain: str, public_key: bytes | Sequence[bytes],
                       kept: Verified | None) -> tuple[AuditBreak | None, Verified | None]:
    """Check one chain from where an earlier check (``kept``) stopped: the
    dashboard's audit state. Returns the problem (None if none) and what is now
    verified, to keep for the next check (None when a problem was found).

    What it proves, from ``kept`` on: the entry ``kept`` ended at still hashes to
    ``kept.head`` and the stored tree's nodes at that size still equal
    ``kept.frontier`` (so a history rewritten with every hash recomputed, or cut
    back, is caught at once); every entry appended since links to the one
    before, hashes to its stored hash and is in the stored tree (each stored node
    it completes compared with the recomputed one); the head row names the last
    of them; no leaf lies beyond it; and every checkpoint of ``kept.size``
    entries or more is signed by the server and consistent with the new root.

    What it does not prove: that the entries before ``kept.size`` are still the
    bytes that were verified. One rewritten in place, keeping its stored hash, or
    a stored node below the frontier edited, or a checkpoint of fewer entries
    inserted since, is caught only by the full check (``chartkeep-server
    verify-audit``, :func:`verify_audit`), which recomputes every entry.

    When it finds a problem it checks the whole chain, so the problem it names is
    the one the full check names (or its own, should the full check find none:
    the log then changed under what was verified). With nothing ``kept`` it is
    the full check."""
    keys = [public_key] if isinstance(public_key, bytes) else list(public_key)
    head = conn.execute(sa.select(T.heads).where(T.heads.c.facility_id == chain)).first()
    if head is None:
        return AuditBreak(chain, 1, "the database has no such log"), None
    noticed = None
    if kept is not None:
        noticed = _still_there(conn, chain, kept, head.audit_seq)
        if noticed is None:
            found = _verify_chain(conn, head, keys, [], kept)
            if isinstance(found, Verified):
                return None, found
            noticed = found
    found = _verify_chain(conn, head, keys, [])
    if isinstance(found, AuditBreak):
        return found, None
    return (noticed, None) if noticed is not None else (None, found)


def _still_there(conn: Connection, chain: str, kept: Verified, size: int
                 ) -> AuditBreak | None:
    """Whether the log still ends its first ``kept.size`` entries as verified."""
    if kept.size > size:
        return AuditBreak(chain, size + 1, "entries verified before were removed")
    if kept.size == 0:
        return None
    last = conn.execute(sa.select(T.audit.c.hash).where(
        T.audit.c.chain == chain, T.audit.c.seq == kept.size)).scalar()
    if last != kept.head:
        return AuditBreak(chain, kept.size, "entry altered since it was verified")
    keys = frontier_keys(kept.size)
    stored = load_nodes(conn, chain, keys)
    if [stored.get(key) for key in keys] != list(kept.frontier):
        return AuditBreak(chain, kept.size, "the stored tree no longer holds the entries "
                          "verified before")
    return None


def _verify_chain(conn: Connection, head: Any, public_keys: list[bytes],
                  outside: list[Checkpoint], start: Verified = NOTHING_VERIFIED
                  ) -> AuditBreak | Verified:
    """The chain's entries after ``start`` (all of them by default), its tree and
    the checkpoints of ``start.size`` entries or more: the first problem, or what
    is now verified."""
    walked = _walk(conn, head, start)
    if isinstance(walked, AuditBreak):
        return walked
    return _check_history(conn, head.facility_id, walked.size, walked.root, public_keys,
                          outside, start.size) or walked


def _walk(conn: Connection, head: Any, start: Verified) -> AuditBreak | Verified:
    chain = head.facility_id
    tree = TreeAppender(chain, start.size, list(start.frontier), lowest=0)
    prev_hash = start.head
    expected_seq = start.size + 1
    for page in _pages(conn, chain, start.size):
        first = expected_seq
        for row in page:
            entry = row._asdict()
            if entry["seq"] != expected_seq:
                return AuditBreak(chain, expected_seq, "entry missing")
            if entry["prev_hash"] != prev_hash:
                return AuditBreak(chain, entry["seq"], "link to the previous entry broken")
            data = entry_bytes(entry)
            if hashlib.sha256(prev_hash.encode() + data).hexdigest() != entry["hash"]:
                return AuditBreak(chain, entry["seq"], "entry altered")
            tree.append(leaf_hash(data))
            prev_hash = entry["hash"]
            expected_seq += 1
        problem = _compare_nodes(conn, chain, tree, first)
        if problem is not None:
            return problem
    size = expected_seq - 1
    if size != head.audit_seq or prev_hash != head.audit_head:
        return AuditBreak(chain, expected_seq, "entries after this point were removed")
    if _nodes_past(conn, chain, size):
        return AuditBreak(chain, size + 1, "the tree holds nodes of entries that were removed")
    return Verified(size, prev_hash, tuple(tree.frontier()), tree.root())


def _pages(conn: Connection, chain: str, after: int) -> Iterator[Sequence[Any]]:
    while True:
        rows = conn.execute(sa.select(T.audit).where(T.audit.c.chain == chain,
                                                     T.audit.c.seq > after)
                            .order_by(T.audit.c.seq).limit(PAGE)).all()
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = rows[-1].seq


def _nodes_past(conn: Connection, chain: str, size: int) -> int:
    """How many stored nodes cover an entry after ``size``: node ``(level, idx)``
    ends at entry ``(idx+1)·2^level``, past the end when ``idx >= size >> level``."""
    nodes = L.nodes
    top = size.bit_length()
    past = sa.or_(nodes.c.level > top, *(sa.and_(nodes.c.level == level,
                                                 nodes.c.idx >= size >> level)
                                         for level in range(top + 1)))
    count: int = conn.execute(sa.select(sa.func.count()).select_from(nodes).where(
        nodes.c.chain == chain, past)).scalar_one()
    return count


def _compare_nodes(conn: Connection, chain: str, tree: TreeAppender,
                   first_seq: int) -> AuditBreak | None:
    """Every stored node completed by this page's entries against the recomputed one."""
    computed = {(row["level"], row["idx"]): row["hash"] for row in tree.rows}
    tree.rows.clear()
    if not computed:
        return None
    # By whole primary key (load_nodes): ranges OR'd together made SQLite walk
    # the chain's every node, which a check of a few new entries then paid for.
    stored = load_nodes(conn, chain, computed, stored_only=True)
    for key in sorted(computed, key=lambda k: (k[1] << k[0], k[0])):
        if key[0] < LOWEST_STORED_LEVEL and key not in stored:
            continue  # computed from the entries when needed, not stored since
        if stored.get(key) != computed[key]:
            level, idx = key
            seq = max(first_seq, (idx << level) + 1)
            what = "leaf" if level == 0 else f"tree node ({level}, {idx})"
            return AuditBreak(chain, seq, f"the stored {what} does not match the entries")
    return None


def _check_history(conn: Connection, chain: str, size: int, root: bytes,
                   public_keys: list[bytes], outside: list[Checkpoint], from_size: int = 0
                   ) -> AuditBreak | None:
    stored = [p.checkpoint for p in checkpoints.all_of(conn, chain, from_size=from_size)]
    keys = [Ed25519PublicKey.from_public_bytes(k) for k in public_keys]
    reader = TreeReader(conn, chain)
    for source, found in (("a published", stored), ("a held", outside)):
        for checkpoint in found:
            if keys and not any(_signed_by(checkpoint, key) for key in keys):
                return AuditBreak(chain, checkpoint.size,
                                  f"{source} checkpoint is not signed by this server")
            if checkpoint.size > size:
                return AuditBreak(chain, size + 1, f"{source} checkpoint of "
                                  f"{checkpoint.size} entries shows entries after "
                                  f"{size} were cut")
            try:
                verify_consistency(checkpoint.size, checkpoint.root, size, root,
                                   reader.consistency(checkpoint.size, size))
            except ProofError:
                return AuditBreak(chain, checkpoint.size, "the log is not an extension of "
                                  f"{source} checkpoint of {checkpoint.size} entries: "
                                  "this entry or one before it was rewritten")
    return None


def _signed_by(checkpoint: Checkpoint, key: Ed25519PublicKey) -> bool:
    try:
        checkpoint.verify(key)
    except ProofError:
        return False
    return True
