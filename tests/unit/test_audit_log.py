"""The audit log's Merkle side in protocol/: leaves of entries, entry proofs,
and how a terminal accepts a newer checkpoint (and refuses a rewritten or cut log)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.audit_log import (
    HASHED_FIELDS,
    accept_checkpoint,
    chain_of,
    checkpoint_from_json,
    checkpoint_to_json,
    entry_bytes,
    entry_leaf,
    origin_for,
    proof_from_json,
    proof_to_json,
    verify_entry,
)
from protocol.codec import canonical
from protocol.merkle import (
    Checkpoint,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    subtree_hasher,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = KEY.public_key().public_bytes_raw()


def entry(chain: str, seq: int, **changes) -> dict:
    base = {"chain": chain, "seq": seq, "at": 1_790_000_000_000 + seq, "actor": "u1",
            "terminal_id": None, "facility_id": chain, "action": "create:resident",
            "target": None, "outcome": "applied", "purpose": "operations",
            "detail": {"op": f"op{seq}", "flags": ["b", "a"]}}
    return {**base, **changes}


def log(chain: str, n: int) -> tuple[list[dict], list[bytes]]:
    entries = [entry(chain, seq) for seq in range(1, n + 1)]
    return entries, [entry_leaf(e) for e in entries]


def checkpoint(chain: str, leaves: list[bytes]) -> Checkpoint:
    return Checkpoint(origin_for(chain), len(leaves), root_of(leaves)).signed(KEY)


def test_the_leaf_is_the_canonical_bytes_of_the_hashed_fields():
    e = entry("F1", 3, extra="not hashed", prev_hash="x", hash="y")
    assert entry_bytes(e) == canonical({k: e[k] for k in HASHED_FIELDS})
    assert entry_leaf(e) == leaf_hash(entry_bytes(e))
    with pytest.raises(ProofError, match="lacks detail"):
        entry_bytes({k: e[k] for k in HASHED_FIELDS if k != "detail"})


def test_origin_names_the_chain_and_back():
    assert chain_of(origin_for("01FAC")) == "01FAC"
    with pytest.raises(ProofError):
        chain_of("someone else's log")
    with pytest.raises(ValueError, match="one non-empty line"):
        origin_for("two\nlines")


def test_every_entry_of_a_log_verifies_and_an_altered_one_does_not():
    entries, leaves = log("F1", 13)
    cp = checkpoint("F1", leaves)
    for i, e in enumerate(entries):
        verify_entry(e, inclusion_proof(i, len(leaves), subtree_hasher(leaves)), cp)
    proof = inclusion_proof(4, 13, subtree_hasher(leaves))
    with pytest.raises(ProofError):
        verify_entry({**entries[4], "outcome": "rejected"}, proof, cp)
    with pytest.raises(ProofError, match="another log"):
        verify_entry({**entries[4], "chain": "F2"}, proof, cp)
    with pytest.raises(ProofError):
        verify_entry({**entries[4], "seq": 6}, proof, cp)


def test_a_terminal_accepts_a_log_that_grew():
    _, leaves = log("F1", 20)
    held = checkpoint("F1", leaves[:7])
    new = checkpoint("F1", leaves)
    proof = consistency_proof(7, 20, subtree_hasher(leaves))
    assert accept_checkpoint(held, new, proof, PUBLIC) == new
    assert accept_checkpoint(None, held, [], PUBLIC) == held
    assert accept_checkpoint(new, new, [], PUBLIC) == new


def test_a_rewritten_entry_is_refused_even_with_every_hash_recomputed():
    entries, leaves = log("F1", 20)
    held = checkpoint("F1", leaves[:12])
    forged = list(leaves)
    forged[5] = entry_leaf({**entries[5], "outcome": "rejected"})
    new = checkpoint("F1", forged)  # re-signed: the forger holds the key, even
    with pytest.raises(ProofError, match="rewritten"):
        accept_checkpoint(held, new, consistency_proof(12, 20, subtree_hasher(forged)), PUBLIC)


def test_a_cut_tail_is_refused():
    _, leaves = log("F1", 20)
    held = checkpoint("F1", leaves)
    cut = checkpoint("F1", leaves[:15])
    with pytest.raises(ProofError, match="cut"):
        accept_checkpoint(held, cut, [], PUBLIC)


def test_a_cut_tail_regrown_to_the_same_size_is_refused():
    entries, leaves = log("F1", 20)
    held = checkpoint("F1", leaves[:16])
    regrown = leaves[:10] + [entry_leaf({**e, "action": "other"}) for e in entries[10:]]
    new = checkpoint("F1", regrown)
    with pytest.raises(ProofError):
        accept_checkpoint(held, new, consistency_proof(16, 20, subtree_hasher(regrown)),
                          PUBLIC)


def test_a_checkpoint_of_another_key_or_log_is_refused():
    _, leaves = log("F1", 5)
    held = checkpoint("F1", leaves[:3])
    other_key = Ed25519PrivateKey.generate()
    foreign = Checkpoint(origin_for("F1"), 5, root_of(leaves)).signed(other_key)
    with pytest.raises(ProofError, match="signature"):
        accept_checkpoint(held, foreign, consistency_proof(3, 5, subtree_hasher(leaves)),
                          PUBLIC)
    _, other_leaves = log("F2", 5)
    with pytest.raises(ProofError, match="another log"):
        accept_checkpoint(held, checkpoint("F2", other_leaves), [], PUBLIC)


def test_json_forms_round_trip_and_refuse_junk():
    _, leaves = log("F1", 9)
    cp = checkpoint("F1", leaves)
    assert checkpoint_from_json(checkpoint_to_json(cp)) == cp
    proof = inclusion_proof(2, 9, subtree_hasher(leaves))
    assert proof_from_json(proof_to_json(proof)) == proof
    bad = checkpoint_to_json(cp)
    for junk in ({**bad, "size": -1}, {**bad, "root": "%%%"}, {**bad, "extra": 1},
                 {**bad, "signature": bad["root"]}, [1, 2]):
        with pytest.raises(ProofError):
            checkpoint_from_json(junk)
    with pytest.raises(ProofError):
        proof_from_json(["AAAA"])
