"""Key slots: one per user, each wrapping the store's random key (like LUKS).

``slots.json`` holds, per user, the Argon2id parameters and salt, and the
store key sealed with AES-256-GCM under the password-derived key; the AAD binds
terminal, user and slot, so a slot copied into another terminal's file or onto
another user does not open. Changing a password rewraps one slot; the data is
never re-encrypted. The file holds no patient data.

Failed attempts are throttled here (a growing delay after 3 in a row, the slot
disabled after 10) and remembered until the next successful unlock, which moves
them into the encrypted store's audit table. A wrong passphrase, a name nobody
has here and a disabled slot get one sentence (:class:`InvalidCredentials`),
so the answer never tells which names exist.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from protocol.passwords import PasswordRejected
from protocol.passwords import check_password as shared_check

from ..errors import InputError, InvalidCredentials, SlotDisabled, StoreUnreadable

FILE_VERSION = 1
SLOTS_FILE = "slots.json"
DELAY_AFTER = 3
DISABLE_AFTER = 10
MAX_DELAY_S = 30.0
MAX_MEMORY_KIB = 4 * 1024 * 1024
MAX_ITERATIONS = 64
MAX_LANES = 64


@dataclass
class KdfParams:
    salt: bytes
    memory_cost: int = 65536
    """KiB (64 MiB)."""
    iterations: int = 3
    lanes: int = 4

    def derive(self, password: str) -> bytes:
        return Argon2id(salt=self.salt, length=32, iterations=self.iterations,
                        lanes=self.lanes, memory_cost=self.memory_cost).derive(password.encode())

    @classmethod
    def fresh(cls) -> KdfParams:
        return cls(salt=os.urandom(16))

    def check(self) -> KdfParams:
        """These parameters as read from ``slots.json``, or ValueError when no
        slot this terminal wrote could hold them (an edited or damaged file):
        Argon2id refuses some with its own errors, and a huge count would make
        the sign-in hang instead of saying the file is damaged. The bounds leave
        room to raise the parameters far beyond today's."""
        if not (1 <= self.lanes <= MAX_LANES and 8 * self.lanes <= self.memory_cost
                <= MAX_MEMORY_KIB and 1 <= self.iterations <= MAX_ITERATIONS
                and 8 <= len(self.salt) <= 64):
            raise ValueError("key slot parameters out of range")
        return self


@dataclass
class KeySlot:
    slot_id: str
    user_id: str
    username: str
    role: str
    kdf: KdfParams
    nonce: bytes
    wrapped: bytes
    failures: int = 0
    disabled: bool = False

    def aad(self, terminal_id: str) -> bytes:
        return f"{terminal_id}|{self.user_id}|{self.slot_id}".encode()


@dataclass
class SlotFile:
    """The parsed ``slots.json`` of one terminal."""

    path: Path
    terminal_id: str
    slots: list[KeySlot] = field(default_factory=list)
    unknown_failures: int = 0
    failed_attempts: list[dict[str, Any]] = field(default_factory=list)
    """Failed unlocks not yet copied into the encrypted audit table:
    ``{"at": ms, "slot_id": id or None}`` (no user names typed by mistake)."""

    # --- file ------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> SlotFile:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            slots = [
                KeySlot(
                    slot_id=_text(s["slot_id"]), user_id=_text(s["user_id"]),
                    username=_text(s["username"]), role=_text(s["role"]),
                    kdf=KdfParams(salt=_unb64(s["kdf"]["salt"]),
                                  memory_cost=int(s["kdf"]["memory_cost"]),
                                  iterations=int(s["kdf"]["iterations"]),
                                  lanes=int(s["kdf"]["lanes"])).check(),
                    nonce=_nonce(_unb64(s["nonce"])), wrapped=_unb64(s["wrapped"]),
                    failures=int(s.get("failures", 0)), disabled=bool(s.get("disabled")),
                )
                for s in raw["slots"]
            ]
            return cls(path=path, terminal_id=_text(raw["terminal_id"]), slots=slots,
                       unknown_failures=int(raw.get("unknown_failures", 0)),
                       failed_attempts=_attempts(raw.get("failed_attempts", [])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreUnreadable("The terminal's sign-in file cannot be read; it may be "
                                  "damaged — re-enroll the terminal.") from exc

    def save(self) -> None:
        data = {
            "version": FILE_VERSION, "terminal_id": self.terminal_id,
            "unknown_failures": self.unknown_failures,
            "failed_attempts": self.failed_attempts[-1000:],
            "slots": [
                {"slot_id": s.slot_id, "user_id": s.user_id, "username": s.username,
                 "role": s.role,
                 "kdf": {"alg": "argon2id", **asdict(s.kdf), "salt": _b64(s.kdf.salt)},
                 "nonce": _b64(s.nonce), "wrapped": _b64(s.wrapped),
                 "failures": s.failures, "disabled": s.disabled}
                for s in self.slots
            ],
        }
        atomic_write(self.path, json.dumps(data, indent=1).encode())

    # --- slots -----------------------------------------------------------------

    def find(self, username: str) -> KeySlot | None:
        wanted = username.strip().casefold()
        return next((s for s in self.slots if s.username.casefold() == wanted), None)

    def add(self, user_id: str, username: str, role: str, password: str,
            store_key: bytes, *, kdf: KdfParams | None = None) -> KeySlot:
        """Add a slot, or replace the user's slot (a records manager's reset)."""
        self.slots = [s for s in self.slots if s.user_id != user_id]
        slot = KeySlot(slot_id=uuid.uuid4().hex, user_id=user_id, username=username.strip(),
                       role=role, kdf=kdf or KdfParams.fresh(), nonce=b"", wrapped=b"")
        self._wrap(slot, password, store_key)
        self.slots.append(slot)
        return slot

    def remove(self, user_id: str) -> bool:
        """Drop the user's slot (deactivated at the server) and save; whether there was one."""
        kept = [s for s in self.slots if s.user_id != user_id]
        if len(kept) == len(self.slots):
            return False
        self.slots = kept
        self.save()
        return True

    def rewrap(self, slot: KeySlot, password: str, store_key: bytes) -> None:
        slot.kdf = KdfParams(salt=os.urandom(16), memory_cost=slot.kdf.memory_cost,
                             iterations=slot.kdf.iterations, lanes=slot.kdf.lanes)
        self._wrap(slot, password, store_key)
        slot.failures = 0
        slot.disabled = False

    def _wrap(self, slot: KeySlot, password: str, store_key: bytes) -> None:
        slot.nonce = os.urandom(12)
        slot.wrapped = AESGCM(slot.kdf.derive(password)).encrypt(
            slot.nonce, store_key, slot.aad(self.terminal_id))

    def unlock(self, username: str, password: str, *, now_ms: int,
               sleep: Callable[[float], None],
               on_progress: Callable[[str], None] | None = None) -> tuple[KeySlot, bytes]:
        """The store key for this user, or InvalidCredentials (SlotDisabled, its
        subclass with the same sentence, once the name is locked out).

        Unknown users cost one derivation too, and share one count that throttles
        them and locks them out as a slot's own count does (from the tenth
        failure they answer SlotDisabled), so from a like start neither the
        sentence, the error nor the delay tells whether a name exists."""
        slot = self.find(username)
        failures = slot.failures if slot else self.unknown_failures
        if failures >= DELAY_AFTER:
            sleep(throttle_delay(failures))
        if on_progress:
            on_progress("Checking the passphrase…")
        if slot is None:
            self.decoy_kdf().derive(password)
            with contextlib.suppress(InvalidTag):
                AESGCM(bytes(32)).decrypt(bytes(12), bytes(48), b"")
            self.unknown_failures += 1
            self._record_failure(None, now_ms)
            if self.unknown_failures >= DISABLE_AFTER:
                raise SlotDisabled
            raise InvalidCredentials
        try:
            key = AESGCM(slot.kdf.derive(password)).decrypt(
                slot.nonce, slot.wrapped, slot.aad(self.terminal_id))
        except InvalidTag:
            key = None
        if slot.disabled or key is None:
            slot.failures += 1
            slot.disabled = slot.disabled or slot.failures >= DISABLE_AFTER
            self._record_failure(slot, now_ms)
            if slot.disabled:
                raise SlotDisabled
            raise InvalidCredentials
        if slot.failures or self.unknown_failures:
            slot.failures = 0
            self.unknown_failures = 0
            self.save()
        return slot, key

    def decoy_kdf(self) -> KdfParams:
        """The derivation an unknown user name costs: the parameters of this
        terminal's slots (the costliest, should they differ: raised for some),
        with a fresh salt; the defaults when there is no slot yet. With the
        defaults alone, a slot whose parameters were raised or lowered took
        longer or shorter than an unknown name, which told that it exists."""
        if not self.slots:
            return KdfParams.fresh()
        top = max(self.slots, key=lambda s: (s.kdf.memory_cost * s.kdf.iterations,
                                             s.kdf.lanes)).kdf
        return KdfParams(salt=os.urandom(len(top.salt) or 16), memory_cost=top.memory_cost,
                         iterations=top.iterations, lanes=top.lanes)

    def _record_failure(self, slot: KeySlot | None, now_ms: int) -> None:
        self.failed_attempts.append({"at": now_ms,
                                     "slot_id": slot.slot_id if slot else None,
                                     "user_id": slot.user_id if slot else None})
        self.save()

    def take_failed_attempts(self) -> list[dict[str, Any]]:
        """Hand over the recorded failures (for the audit table) and forget them."""
        taken, self.failed_attempts = self.failed_attempts, []
        if taken:
            self.save()
        return taken


def throttle_delay(failures: int) -> float:
    """Seconds to wait before an attempt, after ``failures`` in a row."""
    if failures < DELAY_AFTER:
        return 0.0
    return float(min(2 ** (failures - DELAY_AFTER), MAX_DELAY_S))


def check_password(password: str, *, username: str, facility_name: str = "") -> None:
    """The shared NIST SP 800-63B-4 rule (:mod:`protocol.passwords`), with the
    guidance shown next to the passphrase field."""
    if not isinstance(password, str):
        raise InputError("password", "Type a passphrase.")
    try:
        shared_check(password, (username, facility_name))
    except PasswordRejected as exc:
        raise InputError("password", exc.guidance) from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` so a crash leaves the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(0o600)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _attempts(value: object) -> list[dict[str, Any]]:
    """The failed attempts recorded in ``slots.json``, each as the audit takes it
    (an edited list would otherwise fail the next sign-in as an unexpected error)."""
    if not isinstance(value, list):
        raise TypeError("expected a list")
    kept = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("at"), int):
            raise TypeError("expected a failed attempt")
        ids = {key: item.get(key) for key in ("slot_id", "user_id")}
        if not all(v is None or isinstance(v, str) for v in ids.values()):
            raise TypeError("expected ids as text")
        kept.append({"at": item["at"], **ids})
    return kept


def _text(value: object) -> str:
    """A text field of ``slots.json``; anything else means the file was edited."""
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _nonce(value: bytes) -> bytes:
    """AES-GCM's 96-bit nonce, as every slot is sealed with (another length
    would fail as an unexpected error instead of a damaged file)."""
    if len(value) != 12:
        raise ValueError("key slot nonce of the wrong length")
    return value


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
