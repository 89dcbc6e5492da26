"""An append-only Merkle log, as RFC 9162 (Certificate Transparency 2.0) defines it.

Each facility's audit is a list of entries; each entry's canonical bytes are a
leaf. The tree hash, inclusion proofs (this entry is in the log of size n) and
consistency proofs (the log of size m is a prefix of the log of size n) follow
RFC 9162 §2.1 exactly:

* leaf hash  ``SHA-256(0x00 || entry)``; node hash ``SHA-256(0x01 || left || right)``;
* the hash of the empty tree is ``SHA-256()``;
* a tree of n > 1 leaves splits at k, the largest power of two smaller than n.

A **checkpoint** (signed tree head) states "log ``origin`` has ``size`` entries
with root ``root``" as three lines of text, signed with the server's Ed25519 key.
Anyone holding two checkpoints and a consistency proof can tell whether history
was rewritten or cut between them, with nothing but this module and
``cryptography``: no database, no server.

Proof *generation* takes a function giving the hash of any aligned subtree, so
the server can serve it from stored node hashes instead of rehashing leaves.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import ProtocolError

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ProtocolError):
    """A proof or checkpoint that does not verify: the log's history is not what it claims."""

    code = "proof_invalid"


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The tree hash of a list of **leaf hashes**."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Bottom-up: pair neighbours; an odd last node is carried up unchanged,
    # which gives the same tree as RFC 9162's recursive split.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


SubtreeHash = Callable[[int, int], bytes]
"""``(start, end)`` → the tree hash of leaves ``start`` (inclusive) to ``end``
(exclusive); called only for ranges a proof needs."""


def subtree_hasher(leaves: Sequence[bytes]) -> SubtreeHash:
    """A :data:`SubtreeHash` over leaf hashes held in memory."""
    return lambda start, end: root_of(leaves[start:end])


def inclusion_proof(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 §2.1.3.1: the audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError("index must be inside the tree")
    return _path(index, 0, size, subtree)


def _path(m: int, start: int, end: int, subtree: SubtreeHash) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(m, start, start + k, subtree), subtree(start + k, end)]
    return [*_path(m - k, start + k, end, subtree), subtree(start, start + k)]


def consistency_proof(old_size: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 §2.1.4.1: proves the tree of ``old_size`` leaves is a prefix of ``size``."""
    if not 0 <= old_size <= size:
        raise ValueError("the old size must be at most the new size")
    if old_size in (0, size):
        return []
    return _subproof(old_size, 0, size, subtree, whole=True)


def _subproof(m: int, start: int, end: int, subtree: SubtreeHash, *,
              whole: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [subtree(start, end)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, start, start + k, subtree, whole=whole), subtree(start + k, end)]
    return [*_subproof(m - k, start + k, end, subtree, whole=False),
            subtree(start, start + k)]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> None:
    """RFC 9162 §2.1.3.2; ``leaf`` is the leaf hash. Raises :class:`ProofError`."""
    if not 0 <= index < size:
        raise ProofError("the entry is outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise ProofError("the entry is not in the log as the checkpoint states it")


def verify_consistency(old_size: int, old_root: bytes, size: int, root: bytes,
                       proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2. Raises :class:`ProofError` when the log of ``size``
    does not extend the log of ``old_size`` (history rewritten or cut)."""
    if old_size > size:
        raise ProofError("the log is shorter than before: entries were cut")
    if old_size == size:
        if proof or old_root != root:
            raise ProofError("the log changed without growing: history was rewritten")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a proof from the empty log must be empty")
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two
        path.insert(0, old_root)
    if not path:
        raise ProofError("the consistency proof is empty")
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if fr != old_root or sr != root or sn != 0:
        raise ProofError("the log does not extend the earlier checkpoint: history was "
                         "rewritten")


# --- checkpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log ``origin`` had ``size`` entries with ``root``."""

    origin: str
    size: int
    root: bytes
    signature: bytes = b""

    def body(self) -> bytes:
        """The signed text: origin, size and base64 root, one per line."""
        if "\n" in self.origin or not self.origin:
            raise ValueError("an origin is one non-empty line")
        return (f"{self.origin}\n{self.size}\n"
                f"{base64.b64encode(self.root).decode()}\n").encode()

    def signed(self, key: Ed25519PrivateKey) -> Checkpoint:
        return Checkpoint(self.origin, self.size, self.root, key.sign(self.body()))

    def verify(self, public_key: bytes | Ed25519PublicKey) -> None:
        """Raises :class:`ProofError` unless ``public_key`` signed this checkpoint."""
        try:
            key = (public_key if isinstance(public_key, Ed25519PublicKey)
                   else Ed25519PublicKey.from_public_bytes(public_key))
            key.verify(self.signature, self.body())
        except (InvalidSignature, ValueError):
            raise ProofError("the checkpoint's signature does not verify") from None

    def to_wire(self) -> list[object]:
        return [self.origin, self.size, self.root, self.signature]

    @classmethod
    def from_wire(cls, value: object) -> Checkpoint:
        if (not isinstance(value, list) or len(value) != 4 or not isinstance(value[0], str)
                or isinstance(value[1], bool) or not isinstance(value[1], int)
                or value[1] < 0 or not isinstance(value[2], bytes) or len(value[2]) != 32
                or not isinstance(value[3], bytes) or len(value[3]) != 64):
            raise ProofError("a checkpoint is [origin, size, 32-byte root, 64-byte signature]")
        return cls(value[0], value[1], value[2], value[3])
