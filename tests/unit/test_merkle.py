"""The Merkle log against RFC 9162: tree hashes, inclusion and consistency proofs."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.merkle import (
    EMPTY_ROOT,
    Checkpoint,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    subtree_hasher,
    verify_consistency,
    verify_inclusion,
)

# The leaves of the RFC 6962 / certificate-transparency reference test vectors.
VECTOR_LEAVES = [bytes.fromhex(h) for h in
                 ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                  "606162636465666768696a6b6c6d6e6f")]


def reference_root(entries: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written out recursively, independent of the module."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < len(entries):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_root(entries[:k])
                          + reference_root(entries[k:])).digest()


def test_known_roots_of_the_reference_vectors() -> None:
    leaves = [leaf_hash(e) for e in VECTOR_LEAVES]
    assert root_of([]) == EMPTY_ROOT == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert root_of(leaves[:1]).hex() == \
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert root_of(leaves).hex() == \
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("size", range(1, 34))
def test_root_matches_the_recursive_definition(size: int) -> None:
    entries = [f"entry {i}".encode() for i in range(size)]
    assert root_of([leaf_hash(e) for e in entries]) == reference_root(entries)


def test_every_inclusion_proof_verifies_and_a_changed_entry_does_not() -> None:
    entries = [f"audit {i}".encode() for i in range(37)]
    leaves = [leaf_hash(e) for e in entries]
    for size in range(1, len(leaves) + 1):
        root = root_of(leaves[:size])
        hasher = subtree_hasher(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(index, size, hasher)
            verify_inclusion(leaves[index], index, size, proof, root)
            with pytest.raises(ProofError):
                verify_inclusion(leaf_hash(b"forged"), index, size, proof, root)
            if size > 1:
                with pytest.raises(ProofError):
                    verify_inclusion(leaves[index], (index + 1) % size, size, proof, root)


def test_every_consistency_proof_verifies() -> None:
    leaves = [leaf_hash(f"audit {i}".encode()) for i in range(33)]
    for size in range(len(leaves) + 1):
        hasher = subtree_hasher(leaves[:size])
        root = root_of(leaves[:size])
        for old in range(size + 1):
            proof = consistency_proof(old, size, hasher)
            verify_consistency(old, root_of(leaves[:old]), size, root, proof)


def test_rewritten_history_fails_consistency() -> None:
    leaves = [leaf_hash(f"audit {i}".encode()) for i in range(20)]
    old_root = root_of(leaves[:13])
    rewritten = list(leaves)
    rewritten[5] = leaf_hash(b"audit 5, edited and every later hash recomputed")
    proof = consistency_proof(13, 20, subtree_hasher(rewritten))
    with pytest.raises(ProofError):
        verify_consistency(13, old_root, 20, root_of(rewritten), proof)


def test_a_cut_tail_fails_consistency() -> None:
    leaves = [leaf_hash(f"audit {i}".encode()) for i in range(20)]
    with pytest.raises(ProofError, match="cut"):
        verify_consistency(20, root_of(leaves), 15, root_of(leaves[:15]), [])
    with pytest.raises(ProofError, match="rewritten"):
        verify_consistency(15, root_of(leaves[:15]), 15, root_of(leaves[:14] + leaves[15:16]),
                           [])


def test_checkpoints_are_signed_text() -> None:
    key = Ed25519PrivateKey.generate()
    leaves = [leaf_hash(b"a"), leaf_hash(b"b")]
    checkpoint = Checkpoint("chartkeep/facility/F1", 2, root_of(leaves)).signed(key)
    assert checkpoint.body().decode().splitlines()[:2] == ["chartkeep/facility/F1", "2"]
    checkpoint.verify(key.public_key())
    again = Checkpoint.from_wire(checkpoint.to_wire())
    again.verify(key.public_key().public_bytes_raw())
    moved = Checkpoint(checkpoint.origin, 1, checkpoint.root, checkpoint.signature)
    with pytest.raises(ProofError):
        moved.verify(key.public_key())
    with pytest.raises(ProofError):
        checkpoint.verify(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(ProofError):
        Checkpoint.from_wire(["x", 1, b"short", b""])
