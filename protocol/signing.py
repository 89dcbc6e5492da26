"""Message-level Ed25519 signatures.

A sync message is an envelope map: ``v`` (format version), ``alg``, ``type``,
``from`` (terminal id or ``"server"``), ``ctr`` (the sender's monotonic
message counter), ``ts`` (sender wall clock, ms), ``nonce`` (16 random bytes),
``body`` (the msgpack-encoded body, bytes), ``re`` (for replies: the first 16
bytes of the SHA-256 of the request's signature, binding an answer to its
question) and ``sig``. The signature covers all of these, so the same bytes are
valid whether they travel over HTTP or as a file on a USB stick.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .codec import MAX_MESSAGE_BYTES, decode, decode_signed, encode
from .errors import SchemaError, SignatureError
from .schema import as_map, only_keys, req_bytes, req_int, req_str

ENVELOPE_VERSION = 1
ALGORITHM = "ed25519"
_KEYS = {"v", "alg", "type", "from", "ctr", "ts", "nonce", "body", "re", "sig"}


@dataclass(frozen=True, slots=True)
class Envelope:
    msg_type: str
    sender: str
    counter: int
    ts: int
    nonce: bytes
    body: bytes
    reply_to: bytes
    signature: bytes
    alg: str = ALGORITHM

    def signed_bytes(self) -> bytes:
        return encode([ENVELOPE_VERSION, self.alg, self.msg_type, self.sender, self.counter,
                       self.ts, self.nonce, self.body, self.reply_to])

    @property
    def digest(self) -> bytes:
        """Identifies this message; replies carry it in ``re``."""
        return hashlib.sha256(self.signature).digest()[:16]

    def to_bytes(self) -> bytes:
        return encode({"v": ENVELOPE_VERSION, "alg": self.alg, "type": self.msg_type,
                       "from": self.sender, "ctr": self.counter, "ts": self.ts,
                       "nonce": self.nonce, "body": self.body, "re": self.reply_to,
                       "sig": self.signature})

    def verify(self, public_key: bytes | Ed25519PublicKey) -> None:
        if self.alg != ALGORITHM:
            raise SignatureError
        try:
            key = (public_key if isinstance(public_key, Ed25519PublicKey)
                   else Ed25519PublicKey.from_public_bytes(public_key))
            key.verify(self.signature, self.signed_bytes())
        except (InvalidSignature, ValueError):
            raise SignatureError from None

    def decoded_body(self) -> Any:
        """The body, decoded (:func:`~protocol.codec.decode_signed`: its bytes are
        what the sender signed; the same answer as the strict decoder)."""
        return decode_signed(self.body)


def seal(private_key: Ed25519PrivateKey, msg_type: str, sender: str, counter: int,
         body: Any, *, reply_to: bytes = b"", ts: int | None = None) -> Envelope:
    """Encode ``body`` and sign it into an envelope."""
    return seal_encoded(private_key, msg_type, sender, counter, encode(body),
                        reply_to=reply_to, ts=ts)


def seal_encoded(private_key: Ed25519PrivateKey, msg_type: str, sender: str, counter: int,
                 body: bytes, *, reply_to: bytes = b"", ts: int | None = None) -> Envelope:
    """Sign a body that is already msgpack bytes into an envelope."""
    unsigned = Envelope(
        msg_type=msg_type, sender=sender, counter=counter,
        ts=int(time.time() * 1000) if ts is None else ts, nonce=os.urandom(16),
        body=body, reply_to=reply_to, signature=b"",
    )
    signature = private_key.sign(unsigned.signed_bytes())
    return Envelope(**{**_fields(unsigned), "signature": signature})


def open_envelope(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> Envelope:
    """Parse (not verify) an envelope. A missing or malformed signature raises
    :class:`SignatureError`, the same error a wrong one gets.
    """
    raw = as_map(decode(data, max_bytes=max_bytes), "message")
    only_keys(raw, _KEYS, "envelope")
    if raw.get("v") != ENVELOPE_VERSION:
        raise SchemaError("unsupported envelope version")
    sig = raw.get("sig")
    if not isinstance(sig, bytes) or len(sig) != 64 or raw.get("alg") != ALGORITHM:
        raise SignatureError
    return Envelope(
        msg_type=req_str(raw, "type", 32), sender=req_str(raw, "from", 64),
        counter=req_int(raw, "ctr"), ts=req_int(raw, "ts"),
        nonce=req_bytes(raw, "nonce", 16), body=req_bytes(raw, "body"),
        reply_to=req_bytes(raw, "re", max_len=16), signature=sig,
    )


def _fields(envelope: Envelope) -> dict[str, Any]:
    return {name: getattr(envelope, name) for name in Envelope.__slots__}


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes_raw()


def private_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes_raw()


def prove_possession(key: Ed25519PrivateKey, code: str) -> bytes:
    """Enrollment proof: the new terminal signs the one-time code with the key
    it asks the server to bind.
    """
    return key.sign(b"chartkeep-enroll:" + code.encode())


def check_possession(public_key: bytes, code: str, proof: bytes) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            proof, b"chartkeep-enroll:" + code.encode())
    except (InvalidSignature, ValueError):
        raise SignatureError from None
