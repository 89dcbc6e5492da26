"""The server's Ed25519 key: made once at ``init``, read by every server process."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection

from protocol.signing import new_private_key, private_bytes, private_from_bytes, public_bytes
from server.errors import AdminError

from .models import T


def ensure_server_key(conn: Connection, now: int) -> bytes:
    """Create the key if there is none; return its public half."""
    row = conn.execute(sa.select(T.server_keys).order_by(T.server_keys.c.id).limit(1)).first()
    if row is not None:
        return bytes(row.public_key)
    key = new_private_key()
    conn.execute(sa.insert(T.server_keys).values(
        private_key=private_bytes(key), public_key=public_bytes(key), created_at=now))
    return public_bytes(key)


def load_server_key(conn: Connection) -> Ed25519PrivateKey:
    row = conn.execute(sa.select(T.server_keys).order_by(T.server_keys.c.id).limit(1)).first()
    if row is None:
        raise AdminError("the server has no signing key; run `chartkeep-server init`")
    return private_from_bytes(bytes(row.private_key))
