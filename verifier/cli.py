"""``chartkeep-verify BUNDLE [--key HEX] [--statement FILE]``

Reads a bundle (a zip file or a directory), checks the manifest's signature,
every file's hash, the audit checkpoint, the inclusion proof of every audit
entry it names and the consistency proof from its earlier checkpoint; with
``--statement`` also that the audit log today still extends the bundle's
checkpoint. Exit codes: 0 verified, 1 the bundle does not verify, 2 the bundle
or an argument cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from protocol.bundles import BundleError, verify_bundle
from protocol.merkle import ProofError

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
MAX_BUNDLE_BYTES = 1 << 30
"""Nothing Chartkeep produces comes near this; a larger bundle is refused
before it is unpacked (a zip can claim any size)."""


class Unreadable(Exception):
    """The bundle or an argument cannot be read; the message says which."""


def read_bundle(path: Path) -> dict[str, bytes]:
    """Every file of a bundle by its name inside the bundle."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        if sum(p.stat().st_size for p in files) > MAX_BUNDLE_BYTES:
            raise Unreadable(f"{path} is larger than a bundle can be")
        return {p.relative_to(path).as_posix(): p.read_bytes() for p in files}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > MAX_BUNDLE_BYTES:
                raise Unreadable(f"{path} unpacks to more than a bundle can hold")
            names = [i.filename for i in infos]
            if len(names) != len(set(names)):
                raise Unreadable(f"{path} holds two files of the same name")
            return {i.filename: archive.read(i) for i in infos}
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"{path} is neither a directory nor a readable zip file ({exc})"
                         ) from None


def read_statement(path: Path) -> dict[str, Any]:
    statement = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(statement, dict):
        raise Unreadable(f"{path} is not a consistency statement")
    return statement


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chartkeep-verify",
        description="Check a Chartkeep bundle offline: signature, file hashes, audit proofs.")
    parser.add_argument("bundle", type=Path, help="the bundle: a .zip file or a directory")
    parser.add_argument("--key", help="the server's public key in hex, as the facility "
                        "published it (without it, the key inside the bundle is used)")
    parser.add_argument("--statement", type=Path, help="a consistency statement fetched "
                        "from the server later: checks the audit log still extends the "
                        "bundle's checkpoint")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        contents = read_bundle(args.bundle)
        key = bytes.fromhex(args.key) if args.key else None
        statement = None if args.statement is None else read_statement(args.statement)
    except (Unreadable, OSError, ValueError) as exc:
        print(f"chartkeep-verify: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        report = verify_bundle(contents, server_key=key, statement=statement)
    except (BundleError, ProofError) as exc:
        print(f"chartkeep-verify: NOT VERIFIED: {exc}", file=sys.stderr)
        return EXIT_INVALID
    out = [f"{report.title} — {report.facility_name} ({report.facility_id})",
           *(f"  ok  {line}" for line in report.lines), "VERIFIED"]
    print("\n".join(out))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
