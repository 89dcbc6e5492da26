"""Each facility's audit as a Merkle log: what an entry's leaf is, what a log is
called, and how a holder of one checkpoint accepts the next.

The server keeps one audit log per facility (``_system`` for events tied to
none). Entry ``seq`` (from 1) is leaf ``seq - 1`` of that log's Merkle tree
(:mod:`protocol.merkle`); the leaf is the canonical msgpack of the entry's
hashed fields, the same bytes the server's hash chain covers. So anyone holding
an entry's fields, an inclusion proof and a signed checkpoint can check the
entry is in the log, and anyone holding two checkpoints and a consistency proof
can check that no entry before the first was rewritten or cut since.

Who uses this: the server (leaves, checkpoint origins), the bundle verifier
``chartkeep-verify`` (:mod:`protocol.bundles`), and terminals, which keep the
latest checkpoint of their facility and accept a newer one only with a proof
that it extends the one they hold (:func:`accept_checkpoint`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .codec import canonical
from .merkle import Checkpoint, ProofError, leaf_hash, verify_consistency, verify_inclusion

HASHED_FIELDS = ("chain", "seq", "at", "actor", "terminal_id", "facility_id", "action",
                 "target", "outcome", "purpose", "detail")
"""The fields of an audit entry that its hash and its leaf cover, in this order
in the documentation; the bytes are canonical (keys sorted)."""

ORIGIN_PREFIX = "chartkeep/audit/"


def origin_for(chain: str) -> str:
    """The name a facility's log carries in its checkpoints (one line)."""
    if not chain or "\n" in chain:
        raise ValueError("a chain id is one non-empty line")
    return ORIGIN_PREFIX + chain


def chain_of(origin: str) -> str:
    """The facility (or ``_system``) a checkpoint's origin names."""
    if not origin.startswith(ORIGIN_PREFIX) or len(origin) == len(ORIGIN_PREFIX):
        raise ProofError(f"{origin!r} is not a Chartkeep audit log")
    return origin[len(ORIGIN_PREFIX):]


def entry_bytes(entry: Mapping[str, Any]) -> bytes:
    """The canonical bytes of an audit entry's hashed fields."""
    missing = [name for name in HASHED_FIELDS if name not in entry]
    if missing:
        raise ProofError(f"the audit entry lacks {', '.join(missing)}")
    return canonical({name: entry[name] for name in HASHED_FIELDS})


def entry_leaf(entry: Mapping[str, Any]) -> bytes:
    """The entry's Merkle leaf hash (RFC 9162: ``SHA-256(0x00 || bytes)``)."""
    return leaf_hash(entry_bytes(entry))


def verify_entry(entry: Mapping[str, Any], proof: Sequence[bytes],
                 checkpoint: Checkpoint) -> None:
    """Check that ``entry`` is in the log ``checkpoint`` states. The entry names
    its own chain and position; both must agree with the checkpoint. Raises
    :class:`~protocol.merkle.ProofError`."""
    if origin_for(str(entry.get("chain", ""))) != checkpoint.origin:
        raise ProofError("the entry belongs to another log than the checkpoint")
    seq = entry.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ProofError("the entry's position is not a positive number")
    verify_inclusion(entry_leaf(entry), seq - 1, checkpoint.size, proof, checkpoint.root)


def accept_checkpoint(held: Checkpoint | None, new: Checkpoint, proof: Sequence[bytes],
                      server_key: bytes | Ed25519PublicKey) -> Checkpoint:
    """The checkpoint to keep after receiving ``new`` with a consistency proof
    from ``held`` (``None`` for the first one).

    ``new`` must be signed by the server's key, name the same log, and extend
    ``held``: a log that is shorter than before, or whose earlier entries hash
    differently, raises :class:`~protocol.merkle.ProofError` (history was cut or
    rewritten). An older checkpoint than the one held is not an error, just not
    news: the held one stays.
    """
    new.verify(server_key)
    if held is None:
        return new
    if held.origin != new.origin:
        raise ProofError("the checkpoint is of another log than the one held")
    if new.size < held.size:
        raise ProofError("the log is shorter than the checkpoint held: entries were cut")
    verify_consistency(held.size, held.root, new.size, new.root, proof)
    return new


# --- a plain-text form for files and JSON ------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ProofError(f"{what} is not base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise ProofError(f"{what} is not base64 text") from None


def checkpoint_to_json(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"origin": checkpoint.origin, "size": checkpoint.size,
            "root": b64(checkpoint.root), "signature": b64(checkpoint.signature)}


def checkpoint_from_json(value: object) -> Checkpoint:
    if not isinstance(value, dict) or set(value) != {"origin", "size", "root", "signature"}:
        raise ProofError("a checkpoint is {origin, size, root, signature}")
    origin, size = value["origin"], value["size"]
    if not isinstance(origin, str) or isinstance(size, bool) or not isinstance(size, int) \
            or size < 0:
        raise ProofError("a checkpoint's origin is text and its size a whole number")
    root = unb64(value["root"], "the checkpoint's root")
    signature = unb64(value["signature"], "the checkpoint's signature")
    if len(root) != 32 or len(signature) != 64:
        raise ProofError("a checkpoint's root is 32 bytes and its signature 64")
    return Checkpoint(origin, size, root, signature)


def proof_to_json(proof: Sequence[bytes]) -> list[str]:
    return [b64(node) for node in proof]


def proof_from_json(value: object, what: str = "the proof") -> list[bytes]:
    if not isinstance(value, list):
        raise ProofError(f"{what} is a list of base64 hashes")
    nodes = [unb64(item, what) for item in value]
    if any(len(node) != 32 for node in nodes):
        raise ProofError(f"{what} holds hashes of 32 bytes")
    return nodes
