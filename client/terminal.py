"""Entry points: is this directory an enrolled terminal, enroll it (or again,
after a quarantine, carrying its pending changes), list its users, unlock it.

A terminal lives in one directory: ``store.db`` (SQLCipher, random key),
``slots.json`` (one key slot per user) and ``terminal.json`` (ids, facility
name and server address; no patient data, no secrets).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.codec import decode
from protocol.errors import ProtocolError, ValidationError
from protocol.messages import EnrollRequest, EnrollResponse, error_from_wire
from protocol.rules import emergency_access as emergency_rule
from protocol.rules.permissions import TERMINAL_ROLES
from protocol.signing import (
    new_private_key,
    open_envelope,
    private_bytes,
    prove_possession,
    public_bytes,
    seal,
)

from .clock import Clock, SystemClock
from .emergency import EmergencyAccess
from .errors import (
    EnrollmentFailed,
    InputError,
    InvalidCredentials,
    NotEnrolled,
    NotPermitted,
    OfflineExpired,
    StoreUnreadable,
)
from .session import Session
from .store import offline
from .store.database import OUTBOX, RECORDS, Store, audit, dumps, loads, set_meta
from .store.keyslots import SLOTS_FILE, SlotFile, atomic_write, check_password
from .store.offline import record_contact
from .store.outbox import next_seq
from .store.overlay import records_touched
from .store.record_numbers import add_mrn_pool
from .store.search import refresh_many
from .store.set_aside import STORE_FILE, TERMINAL_FILE, mark_noted, note_set_aside
from .store.set_aside import set_aside as move_aside
from .sync.transport import HttpTransport, Transport, TransportError
from .views import SlotInfo, UserInfo

ENROLL_TIMEOUT_S = 30.0
SIGN_IN_TIMEOUT_S = 5.0
"""How long a sign-in past the offline window waits for the server it must reach
(:func:`_refresh_sign_in`): to take the connection, then for its answer. The
clerk is waiting at the sign-in screen: a server that takes the connection and
never answers, or a link that swallows packets, used to hold them about a
minute (a sync's two 30 s timeouts) before the refusal; now the first timeout
ends the attempt and the refusal follows (a connection refused or cut at once
is tried a second time)."""

ENROLL_ERRORS = {
    "enrollment_code_invalid": "The enrollment code is not valid (already used, expired or "
                               "mistyped); ask your regional manager for a new one.",
    "bad_signature": "The server refused the terminal's signature; try again.",
}


def set_aside(home: Path, now_ms: int) -> Path:
    """Keep a damaged store's files aside, still encrypted, so the terminal can be
    enrolled again (:mod:`client.store.set_aside`); the folder they went to."""
    return move_aside(Path(home), now_ms)


def default_home() -> Path:
    if os.environ.get("CHARTKEEP_HOME"):
        return Path(os.environ["CHARTKEEP_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chartkeep"


def is_enrolled(home: Path) -> bool:
    return (Path(home) / TERMINAL_FILE).is_file()


def read_terminal(home: Path) -> dict[str, Any]:
    if not is_enrolled(home):
        raise NotEnrolled
    damaged = "The terminal's settings file is damaged; re-enroll the terminal."
    try:
        data = json.loads((Path(home) / TERMINAL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreUnreadable(damaged) from exc
    if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) for key in ("terminal_id", "facility_id",
                                                        "facility_name")):
        raise StoreUnreadable(damaged)
    return data


def list_users(home: Path) -> list[SlotInfo]:
    read_terminal(home)
    slots = SlotFile.load(Path(home) / SLOTS_FILE)
    return sorted((SlotInfo(s.username, s.role, s.disabled) for s in slots.slots),
                  key=lambda s: s.username.casefold())


def unlock(home: Path, username: str, password: str, *, transport: Transport | None = None,
           clock: Clock | None = None, on_progress: Callable[[str], None] | None = None,
           sleep: Callable[[float], None] = time.sleep) -> Session:
    """Derive the user's slot key, unwrap the store key and open the store."""
    home = Path(home)
    clock = clock or SystemClock()
    opened = _open(home, username, password, clock, on_progress, sleep, signing_in=True)
    # outside the offline window: _refresh_sign_in records how it ends
    session = opened.session(transport, sleep)
    if opened.refusal is not None:
        _refresh_sign_in(session, clock, on_progress)
    return session


def emergency_unlock(home: Path, username: str, password: str, reason: str, *,
                     transport: Transport | None = None, clock: Clock | None = None,
                     on_progress: Callable[[str], None] | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> Session:
    """Break the glass (:mod:`protocol.rules.emergency_access`): the passphrase is
    right but the offline window ran out, so open the store for one resident,
    read-only, for the time box. The resident is chosen with
    ``session.open_emergency_resident``; the session cannot sync."""
    home = Path(home)
    clock = clock or SystemClock()
    try:
        reason = emergency_rule.clean_reason(reason)
    except ValidationError as exc:
        raise InputError("reason", f"The reason {exc.reason}.") from None
    opened = _open(home, username, password, clock, on_progress, sleep)
    offered = emergency_rule.offered(opened.refusal, opened.slot.role)
    started = clock.ms()
    access = EmergencyAccess(reason, started, emergency_rule.ends_at(started))
    with opened.store.write() as conn:
        audit(conn, started, "emergency_opened" if offered else "emergency_refused",
              opened.slot.user_id, reason=reason, **(
                  {"ends": access.ends_ms} if offered else {"refusal": opened.refusal}))
    if not offered:
        opened.store.close()
        raise NotPermitted(emergency_rule.NOT_OFFERED_TEXT)
    return opened.session(transport, sleep, emergency=access)


@dataclass
class _Opened:
    """A key slot opened and its store with it; why a sign-in is refused, if it is."""

    home: Path
    terminal: dict[str, Any]
    clock: Clock
    slot: Any
    key: bytes
    store: Store
    refusal: str | None

    def session(self, transport: Transport | None, sleep: Callable[[float], None],
                emergency: EmergencyAccess | None = None) -> Session:
        return Session(home=self.home, store=self.store, store_key=self.key,
                       user=UserInfo(self.slot.user_id, self.slot.username, self.slot.role),
                       terminal=self.terminal, clock=self.clock, transport=transport,
                       sleep=sleep, emergency=emergency)


def _open(home: Path, username: str, password: str, clock: Clock,
          on_progress: Callable[[str], None] | None, sleep: Callable[[float], None], *,
          signing_in: bool = False) -> _Opened:
    """Open the user's key slot and the store; record failed attempts (and, when
    ``signing_in`` and nothing refuses it, the sign-in) in one transaction; a user
    deactivated at the server loses the slot (:class:`InvalidCredentials`)."""
    terminal = read_terminal(home)
    slots = SlotFile.load(home / SLOTS_FILE)
    if slots.terminal_id != terminal["terminal_id"]:
        raise StoreUnreadable("The sign-in file belongs to another terminal; re-enroll.")
    slot, key = slots.unlock(username, password, now_ms=clock.ms(), sleep=sleep,
                             on_progress=on_progress)
    if on_progress:
        on_progress("Opening the encrypted store…")
    store = Store(home / STORE_FILE, key)
    failures = slots.failed_attempts
    with store.write() as conn:
        for failure in failures:
            audit(conn, int(failure.get("at", 0)), "unlock_failed", failure.get("user_id"),
                  slot=failure.get("slot_id"))
        refusal = _refusal(conn, slot.user_id, clock.ms())
        if refusal is None and signing_in:
            audit(conn, clock.ms(), "unlock", slot.user_id)
        elif refusal == USER_INACTIVE:
            audit(conn, clock.ms(), "unlock_refused", slot.user_id, reason=refusal)
    slots.take_failed_attempts()
    if refusal == USER_INACTIVE:
        store.close()
        slots.remove(slot.user_id)
        raise InvalidCredentials
    return _Opened(home, terminal, clock, slot, key, store, refusal)


def _refresh_sign_in(session: Session, clock: Clock,
                     on_progress: Callable[[str], None] | None) -> None:
    """Outside the offline window: reaching the server grants a new one; if it
    cannot, or the clock is behind, the sign-in is refused (and audited here)."""
    if on_progress:
        on_progress("Reaching the server to renew this terminal's sign-in (it is given "
                    f"{SIGN_IN_TIMEOUT_S:g} seconds to answer)…")
    session.contact_server(timeout=SIGN_IN_TIMEOUT_S)
    with session.store.write() as conn:
        refusal = offline.sign_in_refusal(conn, clock.ms())
        audit(conn, clock.ms(), "unlock_refreshed" if refusal is None else "unlock_refused",
              session.user.id, **({"reason": refusal} if refusal else {}))
    if refusal is not None:
        session.lock()
        raise OfflineExpired(emergency_offered=emergency_rule.offered(refusal,
                                                                      session.user.role))


USER_INACTIVE = "user_inactive"


def _refusal(conn: Connection, user_id: str, now_ms: int) -> str | None:
    """Why this user may not sign in here now, or None: deactivated at the server
    (the pulled user record), or outside the offline window."""
    raw = conn.execute(sa.select(RECORDS.c.data).where(
        RECORDS.c.id == user_id, RECORDS.c.kind == "user")).scalar()
    user = loads(raw) if raw else None
    if isinstance(user, dict) and user.get("active") is False:
        return USER_INACTIVE
    return offline.sign_in_refusal(conn, now_ms)


def enroll(home: Path, server_url: str, code: str, terminal_name: str, username: str,
           password: str, *, transport: Transport | None = None, clock: Clock | None = None,
           sleep: Callable[[float], None] = time.sleep) -> Session:
    """Enroll this directory as a terminal of the facility the code is bound to."""
    home = Path(home)
    clock = clock or SystemClock()
    if is_enrolled(home):
        raise EnrollmentFailed("This terminal is already enrolled.")
    if not code.strip():
        raise InputError("code", "Type the enrollment code from your regional manager.")
    if not terminal_name.strip():
        raise InputError("terminal_name", "Give the terminal a name, e.g. Nurses' station 2.")
    check_password(password, username=username)
    transport = transport or HttpTransport(server_url)
    answer = _ask_server(transport, code.strip(), terminal_name.strip(), username.strip(),
                         clock)
    key, reply = answer
    if reply.role not in TERMINAL_ROLES:
        raise EnrollmentFailed("That user's role does not work at terminals.")
    check_password(password, username=username, facility_name=reply.facility_name)
    _create(home, server_url, terminal_name.strip(), password, clock, key, reply)
    return unlock(home, reply.username, password, transport=transport, clock=clock,
                  sleep=sleep)


def _ask_server(transport: Transport, code: str, name: str, username: str, clock: Clock
                ) -> tuple[Any, EnrollResponse]:
    key = new_private_key()
    request = EnrollRequest(code=code, terminal_name=name, public_key=public_bytes(key),
                            proof=prove_possession(key, code), username=username)
    envelope = seal(key, "enroll", "new", 0, request.to_wire(), ts=clock.ms())
    try:
        status, body = transport.post("/v1/enroll", envelope.to_bytes(), ENROLL_TIMEOUT_S)
    except TransportError as exc:
        raise EnrollmentFailed("The server could not be reached; check the address and the "
                               "network, then try again.") from exc
    if status != 200:
        code_name, detail = _error(body)
        raise EnrollmentFailed(ENROLL_ERRORS.get(code_name) or
                               f"The server refused the enrollment: {detail or code_name}.")
    try:
        reply_env = open_envelope(body)
        reply = EnrollResponse.from_wire(reply_env.decoded_body())
        # Trust on first use: the key the server names must have signed its answer,
        # and the answer must be to this request.
        reply_env.verify(reply.server_public_key)
        if reply_env.reply_to != envelope.digest or reply_env.msg_type != "enrolled":
            raise EnrollmentFailed("The server's answer did not match the request.")
    except ProtocolError as exc:
        raise EnrollmentFailed("The server's answer could not be verified.") from exc
    return key, reply


def _error(body: bytes) -> tuple[str, str]:
    try:
        return error_from_wire(decode(body))
    except ProtocolError:
        return "error", ""


def _create(home: Path, server_url: str, terminal_name: str, password: str, clock: Clock,
            key: Any, reply: EnrollResponse) -> None:
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm"):
        with contextlib.suppress(FileNotFoundError):
            (home / name).unlink()  # left by an enrollment that failed half-way
    store_key = os.urandom(32)
    store = Store(home / STORE_FILE, store_key, create=True)
    noted: list[str] = []
    try:
        with store.write() as conn:
            for name, value in {
                "terminal_id": reply.terminal_id, "facility_id": reply.facility_id,
                "terminal_key": private_bytes(key).hex(),
                "server_key": reply.server_public_key.hex(), "cursor": 0, "msg_counter": 0,
                "hlc_last": 0, "enrolled_at": clock.ms(), "server_time_at_enroll":
                reply.server_time, "mrn_pools": [],
                "terminal_cert": reply.certificate.hex(),
            }.items():
                set_meta(conn, name, value)
            record_contact(conn, clock.ms(), reply.facility_id)
            add_mrn_pool(conn, reply.mrn_pool)
            user = {"id": reply.user_id, "username": reply.username, "role": reply.role,
                    "active": True}
            conn.execute(RECORDS.insert().values(
                id=reply.user_id, kind="user", facility_id=reply.facility_id,
                data=dumps(user), versions="{}", conflicts="{}", status="active", seq=0,
                label=reply.username, search_text=reply.username.casefold(),
                sort_key=reply.username.casefold()))
            audit(conn, clock.ms(), "enrolled", reply.user_id, terminal=reply.terminal_id)
            noted = note_set_aside(conn, home, clock.ms(), reply.user_id)
    finally:
        store.close()
    mark_noted(home, noted)
    slots = SlotFile(path=home / SLOTS_FILE, terminal_id=reply.terminal_id)
    slots.add(reply.user_id, reply.username, reply.role, password, store_key)
    slots.save()
    atomic_write(home / TERMINAL_FILE, json.dumps({
        "terminal_id": reply.terminal_id, "facility_id": reply.facility_id,
        "facility_name": reply.facility_name, "server_url": server_url,
        "terminal_name": terminal_name,
    }, indent=1).encode())


# --- enrolling again after a quarantine ---------------------------------------------------
# Two machines were using one identity (server.core.clones). The old directory is
# kept, renamed (``<home>.quarantined-<ms>``): nothing in it is deleted. The new
# enrollment takes its place; every change the old identity had not had answered
# is written into the new outbox under new numbers with its original operation id
# (the server then marks the copy it held for review as sent again). Changes held
# for a supervisor stay with the old identity's review at the server.

CARRIED = ("op_id", "op_type", "kind", "record_id", "subject_id", "user_id", "recorded_at",
           "schema_version", "payload", "created_at", "summary")


def reenroll(session: Session, code: str, terminal_name: str, password: str, *,
             transport: Transport | None = None, clock: Clock | None = None,
             sleep: Callable[[float], None] = time.sleep) -> Session:
    """Enroll ``session``'s directory again with ``code``; return the new,
    unlocked session with the old pending changes in its outbox."""
    clock = clock or SystemClock()
    home, server_url = session.home, session.server_url
    username, old_terminal = session.user.username, session.terminal_id
    with session.store.read() as conn:
        pending = [{c.name: getattr(row, c.name) for c in OUTBOX.c} for row in conn.execute(
            sa.select(OUTBOX).where(OUTBOX.c.status == "pending").order_by(OUTBOX.c.seq))]
    session.lock()
    kept = home.with_name(f"{home.name}.quarantined-{clock.ms()}")
    home.rename(kept)
    try:
        fresh = enroll(home, server_url, code, terminal_name, username, password,
                       transport=transport, clock=clock, sleep=sleep)
    except Exception:
        if not home.exists():
            kept.rename(home)  # nothing changed: the old directory is back in place
        raise
    with fresh.store.write() as conn:
        first = next_seq(conn)
        rows: list[dict[str, Any]] = [
            {**{name: row[name] for name in CARRIED}, "seq": first + i, "status": "pending",
             "flags": ""} for i, row in enumerate(pending)]
        if rows:
            conn.execute(OUTBOX.insert(), rows)
        refresh_many(conn, [t for row in conn.execute(sa.select(OUTBOX))
                            for t in records_touched(row)], fresh.facility_id)
        audit(conn, clock.ms(), "reenrolled", fresh.user.id, old_terminal=old_terminal,
              carried=len(rows), old_directory=kept.name)
    return fresh
