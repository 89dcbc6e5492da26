"""Each audit chain's Merkle tree in the database: appending leaves, and roots
and proofs read from stored nodes (:mod:`.merkle_models` says which).

Appending needs only the tree's *frontier* — the complete subtrees of the
current size, one per set bit of it — so a push batch reads at most a few dozen
node rows and writes the nodes its entries complete from
:data:`~.merkle_models.LOWEST_STORED_LEVEL` up (one row per 16 entries on
average; leaves and levels 1 to 3 are not stored). Proofs and roots decompose
every range a proof asks for into power-of-two subtrees and fetch them in one
query; a subtree below the lowest stored level is computed from its entries
(their canonical bytes by :func:`.audit_bytes.entry_bytes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.engine import Connection

from protocol.audit_log import HASHED_FIELDS
from protocol.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    split_point,
)

from .audit_bytes import entry_bytes
from .merkle_models import LOWEST_STORED_LEVEL, L
from .models import T
from .rows import json_value

Key = tuple[int, int]
"""``(level, idx)`` of a stored node."""


def frontier_keys(size: int) -> list[Key]:
    """The complete subtrees of a tree of ``size`` leaves, largest first."""
    return [(level, (size >> level) - 1) for level in range(size.bit_length() - 1, -1, -1)
            if size >> level & 1]


def blocks(start: int, end: int) -> list[Key]:
    """The stored nodes whose hashes make up the tree hash of leaves
    ``start``..``end`` (the ranges RFC 9162's proofs ask for)."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return [(level, start >> level)]
    k = split_point(n)
    return [*blocks(start, start + k), *blocks(start + k, end)]


def range_hash(start: int, end: int, nodes: dict[Key, bytes]) -> bytes:
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return nodes[(level, start >> level)]
    k = split_point(n)
    return node_hash(range_hash(start, start + k, nodes), range_hash(start + k, end, nodes))


def load_nodes(conn: Connection, chain: str, keys: Iterable[Key], *,
               stored_only: bool = False) -> dict[Key, bytes]:
    """The hashes of these nodes, by key (absent ones are left out): stored ones,
    and below :data:`~.merkle_models.LOWEST_STORED_LEVEL` those not stored
    computed from their entries (``stored_only``: the verifier, which compares
    what is stored with what it computed itself, leaves them out).

    One indexed look-up per level: each OR term names the whole primary key
    (chain, level, idx IN …). A row-value ``(level, idx) IN (…)`` reads the same
    on paper, but SQLite then searches by chain alone and tests every node of
    the chain, so each push batch read the whole tree and slowed as the audit
    log grew."""
    wanted = sorted(set(keys))
    found: dict[Key, bytes] = {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for at in range(0, len(wanted), 400):
        by_level: dict[int, list[int]] = {}
        for level, idx in wanted[at:at + 400]:
            by_level.setdefault(level, []).append(idx)
        # Written out, not built as an expression: a push batch asks for a
        # frontier of a dozen levels or more, whose expression cost more to
        # build and compile (a new shape each time) than the query to run.
        terms, params = [], []
        for level, idxs in by_level.items():
            terms.append(f"(chain = {mark} AND level = {mark} AND idx IN "
                         f"({', '.join([mark] * len(idxs))}))")
            params += [chain, level, *idxs]
        rows = conn.exec_driver_sql(
            f"SELECT level, idx, hash FROM {L.nodes.name} WHERE {' OR '.join(terms)}",  # noqa: S608  names from our metadata, values bound
            tuple(params))
        found.update({(level, idx): bytes(digest) for level, idx, digest in rows})
    low = [(level, idx) for level, idx in wanted
           if level < LOWEST_STORED_LEVEL and (level, idx) not in found]
    if low and not stored_only:
        found.update(_from_entries(conn, chain, low))
    return found


_ENTRY_COLUMNS = ", ".join('CAST(detail AS TEXT)' if name == "detail" else f'"{name}"'
                           for name in HASHED_FIELDS)


def _from_entries(conn: Connection, chain: str, keys: list[Key]) -> dict[Key, bytes]:
    """The hashes of these unstored low nodes, from the entries they cover
    (node ``(level, idx)``: entries ``idx·2^level + 1`` to ``(idx+1)·2^level``).
    A node whose entries are not all there is left out, like an absent stored one.

    Read as the push reads records (the statement written out, the detail's
    JSON decoded by :func:`~.rows.json_value`): through SQLAlchemy's JSON type
    the read cost more than the hashing, and every proof makes one."""
    seqs = sorted({seq for level, idx in keys
                   for seq in range((idx << level) + 1, ((idx + 1) << level) + 1)})
    leaves: dict[int, bytes] = {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for at in range(0, len(seqs), 400):
        part = seqs[at:at + 400]
        rows = conn.exec_driver_sql(
            f"SELECT {_ENTRY_COLUMNS} FROM {T.audit.name} WHERE chain = {mark} "  # noqa: S608  names from our metadata, values bound
            f"AND seq IN ({', '.join([mark] * len(part))})", (chain, *part))
        for row in rows:
            entry = dict(zip(HASHED_FIELDS, row, strict=True))
            entry["detail"] = json_value(entry["detail"])
            leaves[entry["seq"]] = leaf_hash(entry_bytes(entry))
    found: dict[Key, bytes] = {}
    for level, idx in keys:
        span = range((idx << level) + 1, ((idx + 1) << level) + 1)
        if all(seq in leaves for seq in span):
            found[(level, idx)] = root_of([leaves[seq] for seq in span])
    return found


class TreeAppender:
    """Grows one chain's tree from its frontier; collects the node rows to insert
    (those of level ``lowest`` and up: the stored ones unless told otherwise)."""

    def __init__(self, chain: str, size: int, frontier: list[bytes], *,
                 lowest: int = LOWEST_STORED_LEVEL) -> None:
        self.chain = chain
        self.size = size
        self.lowest = lowest
        levels = [level for level, _ in frontier_keys(size)]
        self._stack: list[tuple[int, bytes]] = list(zip(levels, frontier, strict=True))
        self.rows: list[dict[str, Any]] = []

    @classmethod
    def load(cls, conn: Connection, chain: str, size: int) -> TreeAppender:
        keys = frontier_keys(size)
        nodes = load_nodes(conn, chain, keys)
        missing = [key for key in keys if key not in nodes]
        if missing:
            raise LookupError(f"the audit tree of {chain} lacks node {missing[0]}")
        return cls(chain, size, [nodes[key] for key in keys])

    def append(self, leaf: bytes) -> None:
        index = self.size
        self.size += 1
        if self.lowest == 0:
            self.rows.append({"chain": self.chain, "level": 0, "idx": index, "hash": leaf})
        stack = self._stack
        stack.append((0, leaf))
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            (level, right), (_, left) = stack.pop(), stack.pop()
            merged = node_hash(left, right)
            level += 1
            stack.append((level, merged))
            if level >= self.lowest:
                self.rows.append({"chain": self.chain, "level": level,
                                  "idx": (self.size >> level) - 1, "hash": merged})

    def frontier(self) -> list[bytes]:
        """The complete subtrees of the current size, largest first (what
        :class:`TreeAppender` starts from)."""
        return [digest for _, digest in self._stack]

    def root(self) -> bytes:
        """The tree hash at the current size (right to left over the frontier)."""
        if not self._stack:
            return EMPTY_ROOT
        acc = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            acc = node_hash(left, acc)
        return acc


class TreeReader:
    """Roots and proofs of one chain, from stored nodes."""

    def __init__(self, conn: Connection, chain: str) -> None:
        self.conn = conn
        self.chain = chain

    def _with_nodes(self, compute: Callable[[Callable[[int, int], bytes]], Any]) -> Any:
        """Run a proof twice: once to learn which ranges it needs, once for real."""
        wanted: list[Key] = []

        def record(start: int, end: int) -> bytes:
            wanted.extend(blocks(start, end))
            return EMPTY_ROOT

        compute(record)
        nodes = load_nodes(self.conn, self.chain, wanted)
        missing = set(wanted) - set(nodes)
        if missing:
            raise LookupError(f"the audit tree of {self.chain} lacks node {min(missing)}")
        return compute(lambda start, end: range_hash(start, end, nodes))

    def root(self, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        root: bytes = self._with_nodes(lambda subtree: subtree(0, size))
        return root

    def inclusion(self, seq: int, size: int) -> list[bytes]:
        """The proof that entry ``seq`` (from 1) is in the tree of ``size``."""
        proof: list[bytes] = self._with_nodes(
            lambda subtree: inclusion_proof(seq - 1, size, subtree))
        return proof

    def consistency(self, old_size: int, size: int) -> list[bytes]:
        proof: list[bytes] = self._with_nodes(
            lambda subtree: consistency_proof(old_size, size, subtree))
        return proof
