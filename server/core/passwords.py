"""Server account passwords: the shared NIST rules (:mod:`protocol.passwords`)
and Argon2id hashing.

Hashing: Argon2id, 64 MiB, 3 passes, 4 lanes, parameters kept in the PHC
string with the hash so they can be raised later. Hashing is deliberately
slow: callers on an event loop run it in a thread.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from protocol.passwords import PasswordRejected, check_password, normalise

__all__ = ["PasswordRejected", "check_password", "decoy_hash", "hash_password", "verify_password"]

MEMORY_KIB = 64 * 1024
ITERATIONS = 3
LANES = 4


def hash_password(password: str) -> str:
    kdf = Argon2id(salt=os.urandom(16), length=32, iterations=ITERATIONS, lanes=LANES,
                   memory_cost=MEMORY_KIB)
    return kdf.derive_phc_encoded(normalise(password).encode())


def verify_password(password: str, encoded: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(normalise(password).encode(), encoded)
    except (InvalidKey, ValueError):
        return False
    return True


def decoy_hash() -> str:
    """A stored hash no password matches, for a user name nobody has: verifying
    against it costs exactly what verifying a real account's does (one Argon2id
    derivation with the same parameters, then a comparison that fails), so the
    answer's timing does not tell whether the name exists. Written out, not
    derived: making it costs nothing, so the first unknown name is no slower."""
    return (f"$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={LANES}"
            f"${_phc_b64(os.urandom(16))}${_phc_b64(os.urandom(32))}")


def _phc_b64(raw: bytes) -> str:
    """The PHC string format's base64: standard alphabet, no padding."""
    return base64.b64encode(raw).decode().rstrip("=")
