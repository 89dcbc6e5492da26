"""The server's Ed25519 signing key: made once at ``init``, kept outside the
database, encrypted.

The database holds only the public half (``server_keys``, whose ``private_key``
column is left empty), so a copy of the database or of a backup cannot
impersonate the server. The private key lives in a key file (``key_file``,
default ``<data dir>/server-key.json``) sealed with AES-256-GCM under a key
derived by Argon2id from a passphrase the operator supplies at start
(``CHARTKEEP_SERVER_KEY_PASSPHRASE`` or ``CHARTKEEP_SERVER_KEY_PASSPHRASE_FILE``).
Every server process of a deployment needs the file and the passphrase.

A database made before this (its private key in ``server_keys``) is moved at
the next ``init``: the key is sealed into the file and the column emptied.

``chartkeep-server rotate-key`` makes a new key announced signed by the current
one (:mod:`protocol.key_rotation`); terminals that pinned an older key follow the
announcements (``POST /v1/keys``) without enrolling again.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlalchemy.engine import Connection

from protocol.key_rotation import KeyLink, announce
from protocol.signing import new_private_key, private_bytes, private_from_bytes, public_bytes
from server.errors import AdminError
from server.settings import Settings

from .models import T

FILE_FORMAT = "chartkeep-server-key/1"
# OWASP's Argon2id floor (19 MiB, t=2): derived once per process.
KDF = {"memory_cost": 19 * 1024, "iterations": 2, "lanes": 1}
_derived: dict[tuple[str, bytes], bytes] = {}
_derived_lock = threading.Lock()


def ensure_server_key(conn: Connection, settings: Settings, now: int) -> bytes:
    """Create the key if there is none, or move a key found in the database into
    the key file; return its public half."""
    row = _row(conn)
    if row is None:
        key = new_private_key()
        write_key_file(settings, key, now)
        conn.execute(sa.insert(T.server_keys).values(
            private_key=b"", public_key=public_bytes(key), created_at=now))
        return public_bytes(key)
    if bytes(row.private_key):
        key = private_from_bytes(bytes(row.private_key))
        write_key_file(settings, key, int(row.created_at))
        conn.execute(sa.update(T.server_keys).where(T.server_keys.c.id == row.id)
                     .values(private_key=b""))
    load_server_key(conn, settings)  # the file opens and matches the database
    return bytes(row.public_key)


def load_server_key(conn: Connection, settings: Settings) -> Ed25519PrivateKey:
    """The private key whose public half the database names, from the key file."""
    row = _row(conn)
    if row is None:
        raise AdminError("the server has no signing key; run `chartkeep-server init`")
    if bytes(row.private_key):
        return private_from_bytes(bytes(row.private_key))  # not yet moved by `init`
    public = bytes(row.public_key)
    key = read_key_file(settings)
    if public_bytes(key) != public:
        raise AdminError(f"the key file {key_path(settings)} holds another server's key")
    return key


def load_public_key(conn: Connection) -> bytes:
    row = _row(conn)
    if row is None:
        raise AdminError("the server has no signing key; run `chartkeep-server init`")
    return bytes(row.public_key)


def _row(conn: Connection) -> Any:
    """The newest key (the one the server signs with)."""
    return conn.execute(sa.select(T.server_keys).order_by(T.server_keys.c.id.desc())
                        .limit(1)).first()


def key_chain(conn: Connection) -> list[KeyLink]:
    """Every key the server has had, oldest first, each after the first announced
    by the one before (what ``POST /v1/keys`` answers)."""
    rows = conn.execute(sa.select(T.server_keys).order_by(T.server_keys.c.id))
    return [KeyLink(bytes(r.public_key), int(r.created_at),
                    bytes(r.announcement) if r.announcement is not None else None)
            for r in rows]


def rotate_server_key(conn: Connection, settings: Settings, now: int) -> bytes:
    """Make a new key, announced signed by the current one; seal it into the key
    file (the old file is kept beside it, renamed) and return its public half.
    Running server processes sign with the new key once restarted."""
    old = load_server_key(conn, settings)
    key = new_private_key()
    link = announce(old, public_bytes(key), now)
    conn.execute(sa.insert(T.server_keys).values(
        private_key=b"", public_key=link.key, created_at=now, announcement=link.by))
    path = key_path(settings)
    retired = path.with_name(f"{path.name}.{public_bytes(old).hex()[:16]}.retired")
    if path.exists():
        path.replace(retired)
    try:
        write_key_file(settings, key, now)
    except BaseException:
        if retired.exists():
            retired.replace(path)
        raise
    return link.key


# --- the key file -----------------------------------------------------------------


def key_path(settings: Settings) -> Path:
    return Path(settings.key_file or settings.data_dir / "server-key.json")


def _passphrase(settings: Settings) -> str:
    if not settings.key_passphrase:
        raise AdminError("the server key's passphrase is not set: put it in "
                         "CHARTKEEP_SERVER_KEY_PASSPHRASE, or its file's path in "
                         "CHARTKEEP_SERVER_KEY_PASSPHRASE_FILE")
    return settings.key_passphrase


def _wrapping_key(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    with _derived_lock:
        cached = _derived.get((passphrase, salt))
    if cached is not None:
        return cached
    derived = Argon2id(salt=salt, length=32, iterations=params["iterations"],
                       lanes=params["lanes"], memory_cost=params["memory_cost"]
                       ).derive(passphrase.encode())
    with _derived_lock:
        _derived[(passphrase, salt)] = derived
    return derived


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def write_key_file(settings: Settings, key: Ed25519PrivateKey, created_at: int) -> None:
    """Seal ``key`` into the key file (created readable by its owner only)."""
    path = key_path(settings)
    if path.exists():
        existing = read_key_file(settings)
        if public_bytes(existing) == public_bytes(key):
            return
        raise AdminError(f"{path} already holds another key; move it away first")
    salt, nonce = os.urandom(16), os.urandom(12)
    public = public_bytes(key)
    sealed = AESGCM(_wrapping_key(_passphrase(settings), salt, KDF)).encrypt(
        nonce, private_bytes(key), FILE_FORMAT.encode() + public)
    document = {"format": FILE_FORMAT, "public_key": public.hex(), "created_at": created_at,
                "kdf": {"name": "argon2id", "salt": _b64(salt), **KDF},
                "nonce": _b64(nonce), "sealed": _b64(sealed)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)
        out.write("\n")


def read_key_file(settings: Settings) -> Ed25519PrivateKey:
    path = key_path(settings)
    try:
        public, salt, params, nonce, sealed = _parse(
            json.loads(Path(path).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise AdminError(f"the server key file {path} is missing; copy it from the "
                         "server that ran `chartkeep-server init`") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AdminError(f"the server key file {path} is not readable ({exc})") from None
    try:
        raw = AESGCM(_wrapping_key(_passphrase(settings), salt, params)).decrypt(
            nonce, sealed, FILE_FORMAT.encode() + public)
    except InvalidTag:
        raise AdminError(f"the passphrase does not open the server key file {path}") from None
    return private_from_bytes(raw)


def _parse(document: Any) -> tuple[bytes, bytes, dict[str, int], bytes, bytes]:
    if document["format"] != FILE_FORMAT or document["kdf"]["name"] != "argon2id":
        raise ValueError("not a Chartkeep server key file")
    kdf = document["kdf"]
    params = {name: int(kdf[name]) for name in ("memory_cost", "iterations", "lanes")}
    return (bytes.fromhex(document["public_key"]), base64.b64decode(kdf["salt"]), params,
            base64.b64decode(document["nonce"]), base64.b64decode(document["sealed"]))
