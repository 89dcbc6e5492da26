"""Signed bundles: files from the server that anyone can check offline.

A bundle is a zip file (or a directory with the same contents) holding:

``manifest.json``
    UTF-8 JSON: ``format`` (``chartkeep-bundle/1``), ``title``, ``produced_at``
    (ms since the epoch), ``facility`` (``id``, ``name``), ``files`` (each
    ``name``, ``sha256``, ``bytes``), ``server_key`` (base64 Ed25519 public
    key), ``checkpoint`` (the facility's audit log when the bundle was made),
    ``entries`` (audit entries with inclusion proofs against that checkpoint:
    each ``entry`` — its hashed fields — and ``proof``), and ``earlier``
    (``null``, or an earlier ``checkpoint`` of the same log with the
    consistency ``proof`` from it to ``checkpoint``).
``manifest.sig``
    the base64 Ed25519 signature of the exact bytes of ``manifest.json``.
the files the manifest lists, by their names (``files/…``).

:func:`verify_bundle` checks all of it and the optional *consistency
statement* a holder fetches later (``format`` ``chartkeep-consistency/1``: a
newer ``checkpoint`` of the same log and the ``proof`` from the bundle's
checkpoint to it), so a bundle made before someone rewrote or cut the audit
log exposes it afterwards. The format is described for people in
``docs/api.md``; this module is the definition. Pure: callers read the files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .audit_log import (
    accept_checkpoint,
    b64,
    checkpoint_from_json,
    checkpoint_to_json,
    origin_for,
    proof_from_json,
    proof_to_json,
    unb64,
    verify_entry,
)
from .merkle import Checkpoint, ProofError, verify_consistency

FORMAT = "chartkeep-bundle/1"
CONSISTENCY_FORMAT = "chartkeep-consistency/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FILES_DIR = "files/"


class BundleError(ProofError):
    """A bundle that does not verify; the message says which part and why."""

    code = "bundle_invalid"


@dataclass(frozen=True)
class AuditProof:
    """An audit entry (its hashed fields) and its inclusion proof."""

    entry: Mapping[str, Any]
    proof: Sequence[bytes]


@dataclass(frozen=True)
class Earlier:
    """An earlier checkpoint and the consistency proof from it."""

    checkpoint: Checkpoint
    proof: Sequence[bytes]


def key_fingerprint(public_key: bytes) -> str:
    """What people compare: the first 16 bytes of the key's SHA-256, in hex groups."""
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def make_bundle(*, key: Ed25519PrivateKey, title: str, produced_at: int, facility_id: str,
                facility_name: str, files: Mapping[str, bytes], checkpoint: Checkpoint,
                entries: Sequence[AuditProof] = (), earlier: Earlier | None = None
                ) -> dict[str, bytes]:
    """Every file of a bundle, by name: the manifest, its signature and ``files``
    (stored under ``files/``)."""
    for name in files:
        _check_name(name)
    public = key.public_key().public_bytes_raw()
    manifest = {
        "format": FORMAT, "title": title, "produced_at": produced_at,
        "facility": {"id": facility_id, "name": facility_name},
        "files": [{"name": FILES_DIR + name, "sha256": hashlib.sha256(data).hexdigest(),
                   "bytes": len(data)} for name, data in sorted(files.items())],
        "server_key": b64(public),
        "checkpoint": checkpoint_to_json(checkpoint),
        "entries": [{"entry": dict(item.entry), "proof": proof_to_json(item.proof)}
                    for item in entries],
        "earlier": None if earlier is None else {
            "checkpoint": checkpoint_to_json(earlier.checkpoint),
            "proof": proof_to_json(earlier.proof)},
    }
    body = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
    out = {MANIFEST: body, SIGNATURE: b64(key.sign(body)).encode()}
    out.update({FILES_DIR + name: data for name, data in files.items()})
    return out


def consistency_statement(checkpoint: Checkpoint, old_size: int,
                          proof: Sequence[bytes]) -> dict[str, Any]:
    """What the server hands a holder who asks whether its log still extends
    an old checkpoint of size ``old_size``."""
    return {"format": CONSISTENCY_FORMAT, "from_size": old_size,
            "checkpoint": checkpoint_to_json(checkpoint), "proof": proof_to_json(proof)}


@dataclass
class BundleReport:
    """What a bundle that verified holds, in words for the person checking."""

    title: str
    facility_id: str
    facility_name: str
    key_fingerprint: str
    key_from_bundle: bool
    checkpoint: Checkpoint
    files: list[str] = field(default_factory=list)
    entries: int = 0
    lines: list[str] = field(default_factory=list)


def verify_bundle(contents: Mapping[str, bytes], *, server_key: bytes | None = None,
                  statement: Mapping[str, Any] | None = None) -> BundleReport:
    """Check a bundle (every file by name); raise :class:`BundleError` at the
    first thing that does not hold. ``server_key``: the key the holder trusts;
    without it the bundle's own key is used, and the report says so.
    ``statement``: a later consistency statement to check the log against."""
    manifest_bytes = _need(contents, MANIFEST)
    manifest = _parse_manifest(manifest_bytes)
    bundle_key = unb64(manifest["server_key"], "the server key")
    if server_key is not None and server_key != bundle_key:
        raise BundleError("the bundle was signed by another key than the one given "
                          f"({key_fingerprint(bundle_key)})")
    key = server_key or bundle_key
    try:
        public = Ed25519PublicKey.from_public_bytes(key)
        public.verify(unb64(_need(contents, SIGNATURE).decode("ascii", "replace").strip(),
                            "manifest.sig"), manifest_bytes)
    except (InvalidSignature, ValueError):
        raise BundleError("the manifest's signature does not verify: the bundle was "
                          "changed after the server signed it") from None
    facility = manifest["facility"]
    report = BundleReport(str(manifest["title"]), facility["id"], facility["name"],
                          key_fingerprint(key), server_key is None,
                          _checkpoint(manifest["checkpoint"], public, facility["id"]))
    report.lines.append(f"manifest signed by server key {report.key_fingerprint}"
                        + (" (taken from the bundle)" if report.key_from_bundle else ""))
    _check_files(contents, manifest["files"], report)
    _check_entries(manifest["entries"], report)
    _check_earlier(manifest["earlier"], public, report)
    if statement is not None:
        _check_statement(statement, public, report)
    return report


def _need(contents: Mapping[str, bytes], name: str) -> bytes:
    if name not in contents:
        raise BundleError(f"the bundle has no {name}")
    return contents[name]


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError("manifest.json is not UTF-8 JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"manifest.json is not a {FORMAT} manifest")
    wanted = {"title", "produced_at", "facility", "files", "server_key", "checkpoint",
              "entries", "earlier"}
    if not wanted <= set(manifest):
        raise BundleError("manifest.json lacks " + ", ".join(sorted(wanted - set(manifest))))
    facility = manifest["facility"]
    if not isinstance(facility, dict) or not isinstance(facility.get("id"), str) \
            or not isinstance(facility.get("name"), str):
        raise BundleError("the manifest's facility is {id, name}")
    if not isinstance(manifest["files"], list) or not isinstance(manifest["entries"], list):
        raise BundleError("the manifest's files and entries are lists")
    return manifest


def _checkpoint(value: object, key: Ed25519PublicKey, facility_id: str) -> Checkpoint:
    checkpoint = checkpoint_from_json(value)
    checkpoint.verify(key)
    if checkpoint.origin != origin_for(facility_id):
        raise BundleError("the checkpoint is of another facility's audit log")
    return checkpoint


def _check_name(name: str) -> None:
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..")
                                                                for p in parts):
        raise BundleError(f"{name!r} is not a plain relative file name")


def _check_files(contents: Mapping[str, bytes], listed: list[Any],
                 report: BundleReport) -> None:
    names: set[str] = set()
    for item in listed:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                or not isinstance(item.get("sha256"), str):
            raise BundleError("each listed file is {name, sha256, bytes}")
        name = item["name"]
        _check_name(name)
        if not name.startswith(FILES_DIR) or name in names:
            raise BundleError(f"{name!r} is listed twice or outside files/")
        names.add(name)
        data = _need(contents, name)
        if hashlib.sha256(data).hexdigest() != item["sha256"] or len(data) != item.get("bytes"):
            raise BundleError(f"{name} is not the file the server signed (its hash differs)")
        report.files.append(name)
    extra = sorted(set(contents) - names - {MANIFEST, SIGNATURE})
    if extra:
        raise BundleError(f"the bundle holds files the manifest does not list: {extra[0]}")
    report.lines.append(f"{len(names)} file(s) match the manifest's hashes")


def _check_entries(entries: list[Any], report: BundleReport) -> None:
    for number, item in enumerate(entries, 1):
        if not isinstance(item, dict) or not isinstance(item.get("entry"), dict):
            raise BundleError(f"audit entry {number} is not {{entry, proof}}")
        entry = item["entry"]
        if entry.get("chain") != report.facility_id:
            raise BundleError(f"audit entry {number} is of another facility")
        try:
            verify_entry(entry, proof_from_json(item.get("proof")), report.checkpoint)
        except ProofError as exc:
            raise BundleError(f"audit entry {number} ({entry.get('action')}, "
                              f"#{entry.get('seq')}): {exc}") from None
    report.entries = len(entries)
    report.lines.append(f"{len(entries)} audit entr{'y is' if len(entries) == 1 else 'ies are'}"
                        f" in the log of {report.checkpoint.size} entries the checkpoint "
                        "states")


def _check_earlier(value: object, key: Ed25519PublicKey, report: BundleReport) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise BundleError("the manifest's earlier is {checkpoint, proof}")
    earlier = _checkpoint(value.get("checkpoint"), key, report.facility_id)
    try:
        verify_consistency(earlier.size, earlier.root, report.checkpoint.size,
                           report.checkpoint.root, proof_from_json(value.get("proof")))
    except ProofError as exc:
        raise BundleError(f"the log does not extend its earlier checkpoint: {exc}") from None
    report.lines.append(f"the log extends its earlier checkpoint of {earlier.size} entries")


def _check_statement(statement: Mapping[str, Any], key: Ed25519PublicKey,
                     report: BundleReport) -> None:
    if statement.get("format") != CONSISTENCY_FORMAT:
        raise BundleError(f"the statement is not a {CONSISTENCY_FORMAT} statement")
    newer = checkpoint_from_json(statement.get("checkpoint"))
    if statement.get("from_size") != report.checkpoint.size:
        raise BundleError("the statement proves consistency from another size than the "
                          f"bundle's checkpoint ({report.checkpoint.size})")
    try:
        accept_checkpoint(report.checkpoint, newer, proof_from_json(statement.get("proof")),
                          key)
    except ProofError as exc:
        raise BundleError("the audit log today does not extend the bundle's checkpoint — "
                          f"its history was rewritten or cut: {exc}") from None
    report.lines.append(f"the log today ({newer.size} entries) extends the bundle's "
                        "checkpoint")
