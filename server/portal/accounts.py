"""Accounts of the portal: administrators and regional managers.

Signing in takes two steps. The password (the shared NIST rule of
:mod:`protocol.passwords`, hashed with Argon2id) and then a TOTP code (RFC 6238,
30-second steps, one step of drift either way; a code is good once). An account
without a TOTP secret enrols at its next sign-in: the portal shows a fresh
secret as a QR code and keeps it only once a code from it is typed back.
Failures are throttled per account and per source (:mod:`.throttle`) and every
sign-in, failure and block goes to the audit log (``_system``, purpose
``security``).

Sessions carry the account's *generation*; "sign out everywhere" raises it,
which ends every session of the account on its next request.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyotp
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from protocol.ids import new_id
from protocol.passwords import PasswordRejected
from server.core.passwords import check_password, decoy_hash, hash_password, verify_password
from server.errors import AdminError, NotFound
from server.settings import Settings
from server.storage import audit
from server.storage.db import read_tx, write_tx
from server.storage.models import T
from server.storage.portal_models import P

from . import throttle
from .errors import CODE_JUST_USED, InputInvalid, SignInRefused
from .principals import PortalRole, Principal

ISSUER = "Chartkeep"
STEP_S = 30
ROLES = (PortalRole.ADMINISTRATOR, PortalRole.REGIONAL_MANAGER)
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105  the letters chosen from, not a password



@dataclass(frozen=True)
class NewAccount:
    id: str
    username: str
    password: str | None
    """Set when the server chose it (shown once)."""
    totp_secret: str | None
    """Set when the account was created enrolled (shown once)."""

    @property
    def totp_uri(self) -> str | None:
        return None if self.totp_secret is None else totp_uri(self.totp_secret, self.username)


@dataclass(frozen=True)
class PasswordPassed:
    account_id: str
    username: str
    enrolled: bool


@dataclass(frozen=True)
class AccountRow:
    id: str
    username: str
    display_name: str
    role: str
    active: bool
    enrolled: bool
    facilities: tuple[str, ...]


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_code(secret: str, now_ms: int) -> str:
    """The code an authenticator shows at ``now_ms`` (for the demo and tests)."""
    return pyotp.TOTP(secret).at(now_ms // 1000)


def matching_step(secret: str, code: str, now_ms: int) -> int | None:
    """The 30-second step whose code is ``code``, within one step of now."""
    code = "".join(ch for ch in code if ch in "0123456789")
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = now_ms // 1000 // STEP_S
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.at(candidate * STEP_S), code):
            return candidate
    return None


def initial_password() -> str:
    """A password the server chooses: 20 characters read aloud easily (about 98 bits)."""
    raw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


def _audit(conn: Connection, now: int, action: str, outcome: str, *, actor: str | None,
           target: str | None = None, detail: dict[str, Any] | None = None) -> None:
    audit.record_event(conn, None, at=now, action=action, outcome=outcome, actor=actor,
                       target=target, purpose="security", detail=detail or {})


def _check_facilities(conn: Connection, facilities: Iterable[str]) -> list[str]:
    wanted = sorted(set(facilities))
    found = set(conn.execute(sa.select(T.facilities.c.id).where(
        T.facilities.c.id.in_(wanted))).scalars())
    missing = [f for f in wanted if f not in found]
    if missing:
        raise NotFound(f"no facility {missing[0]}")
    return wanted


def create_account(engine: Engine, settings: Settings, *, username: str, role: str,
                   display_name: str = "", password: str | None = None,
                   facilities: Iterable[str] = (), enrolled: bool = True,
                   actor: str | None = None) -> NewAccount:
    """Create an administrator or a regional manager (with a region). Without a
    password the server chooses one; ``enrolled``: issue the TOTP secret now
    (to hand over with the password), else the holder enrols at first sign-in."""
    if role not in ROLES:
        raise AdminError("an account is an administrator or a regional manager")
    username, display_name = username.strip(), display_name.strip()
    if not username or len(username) > 100 or ":" in username:
        raise InputInvalid("username", "A user name has 1-100 characters and no colon.")
    chosen = password is None
    password = initial_password() if password is None else password
    facilities = sorted(set(facilities))
    # The facility name is a context word (NIST SP 800-63B-4): a regional
    # manager's are the region's facilities.
    context = [username, display_name, *_facility_names(engine, facilities)]
    try:
        password_hash = hash_password(check_password(password, context))
    except PasswordRejected as exc:
        raise InputInvalid("password", exc.guidance) from None
    secret = new_totp_secret() if enrolled else None
    now = settings.clock()
    account_id = new_id(now)
    with write_tx(engine) as conn:
        region = _check_facilities(conn, facilities)
        if role == PortalRole.REGIONAL_MANAGER and not region:
            raise InputInvalid("facilities", "A regional manager needs at least one facility.")
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(P.accounts).values(
                    id=account_id, username=username, role=role,
                    display_name=display_name or username, password_hash=password_hash,
                    totp_secret=secret, totp_last_step=0, active=True,
                    session_generation=0, created_at=now))
        except IntegrityError:
            raise InputInvalid("username", f"The user name {username!r} is taken.") from None
        if role == PortalRole.REGIONAL_MANAGER:
            conn.execute(sa.insert(P.regions), [{"account_id": account_id, "facility_id": f}
                                                for f in region])
        _audit(conn, now, "portal:create_account", "applied", actor=actor, target=account_id,
               detail={"username": username, "role": role, "facilities": region})
    return NewAccount(account_id, username, password if chosen else None, secret)


def _facility_names(engine: Engine, facility_ids: list[str]) -> list[str]:
    if not facility_ids:
        return []
    with read_tx(engine) as conn:
        return list(conn.execute(sa.select(T.facilities.c.name).where(
            T.facilities.c.id.in_(facility_ids))).scalars())


def _account(conn: Connection, account_id: str) -> Any:
    row = conn.execute(sa.select(P.accounts).where(P.accounts.c.id == account_id)).first()
    if row is None:
        raise NotFound(f"no account {account_id}")
    return row


def _region(conn: Connection, account_id: str) -> frozenset[str]:
    return frozenset(conn.execute(sa.select(P.regions.c.facility_id).where(
        P.regions.c.account_id == account_id)).scalars())


def _principal(conn: Connection, row: Any) -> Principal:
    role = PortalRole(row.role)
    return Principal("account", row.id, row.username, role,
                     None if role is PortalRole.ADMINISTRATOR else _region(conn, row.id),
                     display_name=row.display_name)


def load_account(engine: Engine, account_id: str, generation: int) -> Principal | None:
    """The signed-in account, or ``None`` if it was deactivated or signed out everywhere."""
    with read_tx(engine) as conn:
        row = conn.execute(sa.select(P.accounts).where(P.accounts.c.id == account_id)).first()
        if row is None or not row.active or row.session_generation != generation:
            return None
        return _principal(conn, row)


def generation_of(engine: Engine, account_id: str) -> int:
    with read_tx(engine) as conn:
        return int(_account(conn, account_id).session_generation)


def _refuse(engine: Engine, settings: Settings, username: str, source: str,
            why: str) -> SignInRefused:
    """Count and audit a failed step; the caller raises what this returns."""
    now = settings.clock()
    keys = [throttle.account_key(username), throttle.source_key(source)]
    with write_tx(engine) as conn:
        blocked = throttle.fail(conn, keys, now)
        _audit(conn, now, "portal:sign_in", "refused", actor=None,
               detail={"username": username[:100], "why": why, "source": source})
        for key in blocked:
            _audit(conn, now, "portal:throttle", "blocked", actor=None,
                   detail={"key": key, "until": now + throttle.BLOCK_MS})
    return SignInRefused()


def password_step(engine: Engine, settings: Settings, *, username: str, password: str,
                  source: str) -> PasswordPassed:
    """The first step of signing in. Unknown names, wrong passwords and
    deactivated accounts get one identical answer."""
    username = username.strip()
    keys = [throttle.account_key(username), throttle.source_key(source)]
    with read_tx(engine) as conn:
        throttle.check(conn, keys, settings.clock())
        row = conn.execute(sa.select(P.accounts).where(
            P.accounts.c.username == username)).first()
    # An unknown name costs the same derivation as a known one (decoy_hash).
    ok = verify_password(password, row.password_hash if row else decoy_hash())
    if row is None or not ok or not row.active:
        why = "unknown user" if row is None else "wrong password" if not ok else "inactive"
        raise _refuse(engine, settings, username, source, why)
    return PasswordPassed(row.id, row.username, row.totp_secret is not None)


def code_step(engine: Engine, settings: Settings, *, account_id: str, code: str,
              source: str, secret: str | None = None) -> tuple[Principal, int]:
    """The second step: a TOTP code from the account's secret, or, while
    enrolling, from ``secret`` (which is then kept). Returns the principal and
    the session generation to put in the new session."""
    now = settings.clock()
    with read_tx(engine) as conn:
        row = _account(conn, account_id)
        throttle.check(conn, [throttle.account_key(row.username),
                              throttle.source_key(source)], now)
    using = secret if secret is not None else row.totp_secret
    step = None if using is None or not row.active else matching_step(using, code, now)
    if step is None or step <= row.totp_last_step:
        why = "code reused" if step is not None else "wrong code"
        refused = _refuse(engine, settings, row.username, source, why)
        # The password passed already (this step runs for its account only), so a
        # right code used before can be told apart from a wrong one: the clerk who
        # signed out and back in within 30 s waits for the next code.
        raise SignInRefused(CODE_JUST_USED) if step is not None else refused
    with write_tx(engine) as conn:
        updated = conn.execute(sa.update(P.accounts).where(
            P.accounts.c.id == account_id, P.accounts.c.totp_last_step < step).values(
            totp_last_step=step, totp_secret=using))
        if updated.rowcount == 0:  # the same code, used at the same moment elsewhere
            raise SignInRefused(CODE_JUST_USED)
        throttle.clear(conn, throttle.account_key(row.username))
        _audit(conn, now, "portal:enrol_totp" if secret is not None else "portal:sign_in",
               "applied", actor=f"portal:{row.username}", target=account_id,
               detail={"source": source})
        principal = _principal(conn, row)
    return principal, int(row.session_generation)


def sign_out_everywhere(engine: Engine, settings: Settings, *, account_id: str,
                        actor: str) -> None:
    now = settings.clock()
    with write_tx(engine) as conn:
        _account(conn, account_id)
        conn.execute(sa.update(P.accounts).where(P.accounts.c.id == account_id).values(
            session_generation=P.accounts.c.session_generation + 1))
        _audit(conn, now, "portal:sign_out_everywhere", "applied", actor=actor,
               target=account_id)


def list_accounts(engine: Engine) -> list[AccountRow]:
    with read_tx(engine) as conn:
        regions: dict[str, list[str]] = {}
        for row in conn.execute(sa.select(P.regions).order_by(P.regions.c.facility_id)):
            regions.setdefault(row.account_id, []).append(row.facility_id)
        return [AccountRow(r.id, r.username, r.display_name, r.role, r.active,
                           r.totp_secret is not None, tuple(regions.get(r.id, ())))
                for r in conn.execute(sa.select(P.accounts).order_by(P.accounts.c.username))]


def set_active(engine: Engine, settings: Settings, *, account_id: str, active: bool,
               actor: str) -> None:
    now = settings.clock()
    with write_tx(engine) as conn:
        _account(conn, account_id)
        conn.execute(sa.update(P.accounts).where(P.accounts.c.id == account_id).values(
            active=active, session_generation=P.accounts.c.session_generation + 1))
        _audit(conn, now, "portal:activate" if active else "portal:deactivate", "applied",
               actor=actor, target=account_id)


def reset(engine: Engine, settings: Settings, *, account_id: str, actor: str) -> str:
    """A new server-chosen password, TOTP to enrol again, every session ended."""
    password = initial_password()
    now = settings.clock()
    with write_tx(engine) as conn:
        row = _account(conn, account_id)
        hashed = hash_password(check_password(password, [row.username]))
        conn.execute(sa.update(P.accounts).where(P.accounts.c.id == account_id).values(
            password_hash=hashed, totp_secret=None, totp_last_step=0,
            session_generation=P.accounts.c.session_generation + 1))
        _audit(conn, now, "portal:reset", "applied", actor=actor, target=account_id)
    return password


def set_region(engine: Engine, settings: Settings, *, account_id: str,
               facilities: Iterable[str], actor: str) -> None:
    now = settings.clock()
    with write_tx(engine) as conn:
        row = _account(conn, account_id)
        if row.role != PortalRole.REGIONAL_MANAGER:
            raise InputInvalid("facilities", "Only a regional manager has a region.")
        region = _check_facilities(conn, facilities)
        if not region:
            raise InputInvalid("facilities", "A regional manager needs at least one facility.")
        conn.execute(sa.delete(P.regions).where(P.regions.c.account_id == account_id))
        conn.execute(sa.insert(P.regions), [{"account_id": account_id, "facility_id": f}
                                            for f in region])
        _audit(conn, now, "portal:set_region", "applied", actor=actor, target=account_id,
               detail={"facilities": region})
