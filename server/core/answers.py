"""The server's signature on its answers.

Every answer is an envelope from ``"server"`` whose counter is the server clock
in milliseconds, kept strictly rising within the process; the terminal checks
it against the key it pinned at enrollment. Every server process signs with the
same key, opened from the key file (:mod:`server.storage.keys`) once, on first use.
"""

from __future__ import annotations

import threading
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from protocol.codec import encode
from protocol.signing import public_bytes, seal_encoded
from server.settings import Settings
from server.storage.db import read_tx
from server.storage.keys import load_server_key


class AnswerSigner:
    """Seals the server's answers; safe to share between worker threads."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._clock = settings.clock
        self._key: Ed25519PrivateKey | None = None
        self._key_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._counter = 0

    def _private_key(self) -> Ed25519PrivateKey:
        with self._key_lock:
            if self._key is None:
                with read_tx(self._engine) as conn:
                    self._key = load_server_key(conn, self._settings)
            return self._key

    def public_key(self) -> bytes:
        """What an enrolling terminal pins."""
        return public_bytes(self._private_key())

    def seal(self, msg_type: str, body: Any, reply_to: bytes) -> bytes:
        """Sign an answer to the request whose digest is ``reply_to``."""
        return self.seal_encoded(msg_type, encode(body), reply_to)

    def seal_encoded(self, msg_type: str, body: bytes, reply_to: bytes) -> bytes:
        """Sign an answer whose body is already msgpack bytes."""
        now = self._clock()
        with self._counter_lock:
            self._counter = max(self._counter + 1, now)
            counter = self._counter
        return seal_encoded(self._private_key(), msg_type, "server", counter, body,
                            reply_to=reply_to, ts=now).to_bytes()
