"""Signed bundles and chartkeep-verify: a good bundle verifies offline; any change
to a file, the manifest, an entry or the log's history is named."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.audit_log import entry_leaf, origin_for
from protocol.bundles import (
    MANIFEST,
    SIGNATURE,
    AuditProof,
    BundleError,
    Earlier,
    consistency_statement,
    make_bundle,
    verify_bundle,
)
from protocol.merkle import Checkpoint, consistency_proof, inclusion_proof, root_of, subtree_hasher

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUBLIC = KEY.public_key().public_bytes_raw()
FAC = "01FACILITY"


def entries(n: int, chain: str = FAC) -> list[dict]:
    return [{"chain": chain, "seq": s, "at": 1000 + s, "actor": None, "terminal_id": None,
             "facility_id": chain, "action": "inspect:view", "target": None,
             "outcome": "applied", "purpose": "inspection", "detail": {"n": s}}
            for s in range(1, n + 1)]


def signed(leaves: list[bytes], key=KEY) -> Checkpoint:
    return Checkpoint(origin_for(FAC), len(leaves), root_of(leaves)).signed(key)


def bundle(n: int = 11, earlier_size: int | None = 6, named=(2, 9), key=KEY, **overrides):
    log = entries(n)
    leaves = [entry_leaf(e) for e in log]
    subtree = subtree_hasher(leaves)
    earlier = None
    if earlier_size is not None:
        earlier = Earlier(signed(leaves[:earlier_size], key),
                          consistency_proof(earlier_size, n, subtree))
    args = {"key": key, "title": "Access log", "produced_at": 5000, "facility_id": FAC,
            "facility_name": "Maple Grove", "files": {"access-log.csv": b"when,who\n1,x\n"},
            "checkpoint": signed(leaves, key),
            "entries": [AuditProof(log[i - 1], inclusion_proof(i - 1, n, subtree))
                        for i in named],
            "earlier": earlier, **overrides}
    return make_bundle(**args), log, leaves


def resign(contents: dict[str, bytes], manifest: dict) -> dict[str, bytes]:
    """What a forger without the server key can do: change and keep the old signature."""
    return {**contents, MANIFEST: json.dumps(manifest).encode()}


def test_a_bundle_verifies_and_says_what_it_checked():
    contents, _, _ = bundle()
    report = verify_bundle(contents, server_key=PUBLIC)
    assert (report.facility_name, report.entries, report.checkpoint.size) == ("Maple Grove", 2,
                                                                               11)
    assert report.files == ["files/access-log.csv"]
    assert not report.key_from_bundle
    assert any("earlier checkpoint of 6" in line for line in report.lines)


def test_a_changed_file_is_named():
    contents, _, _ = bundle()
    contents["files/access-log.csv"] = b"when,who\n1,y\n"
    with pytest.raises(BundleError, match=r"access-log\.csv is not the file"):
        verify_bundle(contents)


def test_a_changed_manifest_breaks_the_signature():
    contents, _, _ = bundle()
    manifest = json.loads(contents[MANIFEST])
    manifest["facility"]["name"] = "Oak Hill"
    with pytest.raises(BundleError, match="signature"):
        verify_bundle(resign(contents, manifest))


def test_another_servers_key_is_refused_when_the_holder_names_the_key():
    contents, _, _ = bundle(key=Ed25519PrivateKey.generate())
    assert verify_bundle(contents).key_from_bundle
    with pytest.raises(BundleError, match="another key"):
        verify_bundle(contents, server_key=PUBLIC)


def test_unlisted_and_missing_files_are_named():
    contents, _, _ = bundle()
    with pytest.raises(BundleError, match="does not list"):
        verify_bundle({**contents, "files/extra.csv": b"x"})
    del contents["files/access-log.csv"]
    with pytest.raises(BundleError, match=r"no files/access-log\.csv"):
        verify_bundle(contents)
    with pytest.raises(BundleError, match=r"no manifest\.sig"):
        verify_bundle({k: v for k, v in bundle()[0].items() if k != SIGNATURE})


def test_an_entry_outside_the_log_is_named():
    log = entries(8)
    leaves = [entry_leaf(e) for e in log]
    altered = {**log[3], "outcome": "rejected"}
    contents = make_bundle(key=KEY, title="t", produced_at=1, facility_id=FAC,
                           facility_name="M", files={}, checkpoint=signed(leaves),
                           entries=[AuditProof(altered, inclusion_proof(3, 8,
                                                                        subtree_hasher(leaves)))])
    with pytest.raises(BundleError, match=r"audit entry 1 \(inspect:view, #4\)"):
        verify_bundle(contents)


def test_an_earlier_checkpoint_the_log_does_not_extend_is_named():
    log = entries(10)
    leaves = [entry_leaf(e) for e in log]
    other = [entry_leaf({**e, "detail": {}}) for e in log[:5]]
    contents = make_bundle(key=KEY, title="t", produced_at=1, facility_id=FAC,
                           facility_name="M", files={}, checkpoint=signed(leaves),
                           earlier=Earlier(signed(other),
                                           consistency_proof(5, 10, subtree_hasher(leaves))))
    with pytest.raises(BundleError, match="does not extend its earlier"):
        verify_bundle(contents)


def test_a_later_statement_shows_the_log_was_rewritten_or_cut():
    contents, log, leaves = bundle(n=11)
    grown = leaves + [entry_leaf(e) for e in entries(15)[11:]]
    good = consistency_statement(signed(grown), 11, consistency_proof(11, 15,
                                                                      subtree_hasher(grown)))
    assert "log today (15 entries)" in verify_bundle(contents, statement=good).lines[-1]
    rewritten = list(grown)
    rewritten[1] = entry_leaf({**log[1], "actor": "someone else"})
    bad = consistency_statement(signed(rewritten), 11,
                                consistency_proof(11, 15, subtree_hasher(rewritten)))
    with pytest.raises(BundleError, match="rewritten or cut"):
        verify_bundle(contents, statement=bad)
    cut = consistency_statement(signed(leaves[:9]), 11, [])
    with pytest.raises(BundleError, match="rewritten or cut"):
        verify_bundle(contents, statement=cut)


def test_file_names_that_climb_out_are_refused():
    with pytest.raises(BundleError, match="plain relative"):
        bundle(files={"../etc/passwd": b"x"})


def run_verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verifier.cli", *args], capture_output=True,
                          text=True, check=False)


def test_chartkeep_verify_reads_a_zip_and_a_directory(tmp_path):
    contents, _, leaves = bundle()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in contents.items():
            zf.writestr(name, data)
    (tmp_path / "b.zip").write_bytes(archive.getvalue())
    done = run_verify(str(tmp_path / "b.zip"), "--key", PUBLIC.hex())
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("VERIFIED")
    folder = tmp_path / "b"
    for name, data in contents.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "files" / "access-log.csv").write_bytes(b"changed")
    done = run_verify(str(folder))
    assert done.returncode == 1
    assert "NOT VERIFIED" in done.stderr and "access-log.csv" in done.stderr
    cut = consistency_statement(signed(leaves[:4]), 11, [])
    (tmp_path / "s.json").write_text(json.dumps(cut))
    done = run_verify(str(tmp_path / "b.zip"), "--statement", str(tmp_path / "s.json"))
    assert (done.returncode, "cut" in done.stderr) == (1, True)
    done = run_verify(str(tmp_path / "missing.zip"))
    assert done.returncode == 2 and "neither a directory nor a readable zip" in done.stderr
