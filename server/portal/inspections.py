"""Inspector accesses: a regional manager lets a state inspector see named
facilities for a stated purpose, for at most 72 hours (the security scheme's
bound on an inspector's token); a longer survey gets a new access.

The manager gets a one-time access key (the token) and, separately, a code;
the server keeps only the SHA-256 of the token and the SHA-256 of the code bound
to the token (so a code is worthless without its key, and neither can be read
back). The inspector pastes the key on the portal's access page (never in a URL:
the security scheme), types the code and gets a session: the key is then spent.
A wrong code counts; after :data:`MAX_CODE_FAILURES` the key is locked. Every
view the inspector makes is an audit entry in the viewed facility's chain,
naming the access and its stated purpose (:mod:`.inspector_audit`); the manager
sees them on the access's page and can revoke the access at once (the
inspector's next request is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.ids import new_id
from server.core.directory import CODE_ALPHABET
from server.errors import NotFound
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import read_tx, write_tx
from server.storage.models import LOOKED_UP_ACTOR, T
from server.storage.portal_models import P

from . import throttle
from .errors import AccessUnavailable, InputInvalid
from .inspector_audit import (
    access_facilities,
    record_refused_use,
    record_unknown_key,
    refused_use,
)
from .principals import PortalRole, Principal

HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS
MAX_HOURS = 72
MAX_CODE_FAILURES = 5
MAX_KEY_LENGTH = 200
"""Longer than any key the portal issues; a longer paste is refused unread."""


@dataclass(frozen=True)
class Issued:
    id: str
    token: str
    """The access key: shown once, never stored, never put in a URL."""
    code: str
    """Given to the inspector separately: shown once, never stored."""


@dataclass(frozen=True)
class AccessRow:
    id: str
    inspector_name: str
    agency: str
    purpose: str
    facilities: tuple[str, ...]
    issued_by: str
    issued_at: int
    not_before: int
    expires_at: int
    redeemed_at: int | None
    revoked_at: int | None
    state: str
    """``waiting`` (key not used yet), ``active``, ``expired``, ``revoked``,
    ``locked``."""


@dataclass(frozen=True)
class View:
    at: int
    facility_id: str
    page: str
    purpose: str
    action: str = "inspect:view"
    """``inspect:view`` (a page) or ``report:download`` (a report or bundle)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def code_hash(token: str, code: str) -> str:
    folded = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(f"{token.strip()}:{folded}".encode()).hexdigest()


def ends_at(row: Any) -> int:
    """When the access ends: its expiry, and never more than :data:`MAX_HOURS` after
    its start, also for an access issued while the portal still allowed 30 days."""
    return int(min(row.expires_at, row.not_before + MAX_HOURS * HOUR_MS))


def _state(row: Any, now: int) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.code_failures >= MAX_CODE_FAILURES and row.redeemed_at is None:
        return "locked"
    if ends_at(row) <= now:
        return "expired"
    return "active" if row.redeemed_at is not None else "waiting"


def _text(field: str, value: str, limit: int, label: str) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise InputInvalid(field, f"{label} needs 1-{limit} characters.")
    return value


def issue(engine: Engine, settings: Settings, manager: Principal, *, inspector_name: str,
          agency: str, purpose: str, facility_ids: Iterable[str], not_before: int,
          expires_at: int) -> Issued:
    """Issue an access for facilities in the manager's scope (others: not found)."""
    name = _text("inspector_name", inspector_name, 200, "The inspector's name")
    agency = _text("agency", agency, 200, "The agency")
    purpose = _text("purpose", purpose, 500, "The purpose")
    wanted = sorted(set(facility_ids))
    if not wanted:
        raise InputInvalid("facilities", "Choose at least one facility.")
    now = settings.clock()
    if expires_at <= max(now, not_before):
        raise InputInvalid("expires_at", "The access must end after it starts and after now.")
    if expires_at - not_before > MAX_HOURS * HOUR_MS:
        raise InputInvalid("expires_at", f"An access lasts at most {MAX_HOURS} hours.")
    token = secrets.token_urlsafe(32)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    code = f"{raw[:5]}-{raw[5:]}"
    access_id = new_id(now)
    with write_tx(engine) as conn:
        for facility_id in wanted:
            if not manager.sees(facility_id):
                raise NotFound("There is no such facility.")
        batch = Batch(conn, wanted, now)
        if set(batch.heads) != set(wanted):
            raise NotFound("There is no such facility.")
        conn.execute(sa.insert(P.accesses).values(
            id=access_id, token_hash=token_hash(token), code_hash=code_hash(token, code),
            inspector_name=name, agency=agency, purpose=purpose, issued_by=manager.id,
            issued_at=now, not_before=not_before, expires_at=expires_at, code_failures=0))
        conn.execute(sa.insert(P.access_facilities),
                     [{"access_id": access_id, "facility_id": f} for f in wanted])
        for facility_id in wanted:
            batch.chain(facility_id).append(
                at=now, action="inspection:issue", outcome="applied", actor=manager.actor,
                target=access_id, facility_id=facility_id, purpose="security",
                detail={"inspector": name, "agency": agency, "purpose": purpose,
                        "not_before": not_before, "expires_at": expires_at})
        batch.write()
    return Issued(access_id, token, code)


def _check_usable(row: Any, now: int) -> None:
    state = _state(row, now)
    if state in ("revoked", "expired", "locked"):
        raise AccessUnavailable(state)
    if row.redeemed_at is not None:
        raise AccessUnavailable("used")
    if row.not_before > now:
        raise AccessUnavailable("not_yet")


def check_link(engine: Engine, settings: Settings, token: str, source: str = "") -> None:
    """Is this access key still good to redeem? (:class:`AccessUnavailable` says why not.)
    An unknown key is audited and counts against ``source`` as a failed sign-in
    does; a source held back by that count is refused before any key is looked up
    (:class:`~.errors.SignInThrottled`)."""
    with read_tx(engine) as conn:
        throttle.check(conn, [throttle.source_key(source)], settings.clock())
        row = conn.execute(sa.select(P.accesses).where(
            P.accesses.c.token_hash == token_hash(token))).first()
    if row is None:
        record_unknown_key(engine, settings, source, "/portal/access")
        raise AccessUnavailable("unknown")
    try:
        _check_usable(row, settings.clock())
    except AccessUnavailable as refused:
        record_refused_use(engine, settings, row.id, refused.reason, "/portal/access")
        raise


def _principal(row: Any, facilities: Iterable[str]) -> Principal:
    return Principal("inspector", row.id, row.inspector_name, PortalRole.INSPECTOR,
                     frozenset(facilities), display_name=row.inspector_name,
                     agency=row.agency, purpose=row.purpose, expires_at=ends_at(row))


def redeem(engine: Engine, settings: Settings, *, token: str, code: str,
           source: str) -> Principal:
    """Exchange the access key and its code for an inspector's session (once); a key
    that may not be used (any more) is refused and audited."""
    now = settings.clock()
    with write_tx(engine) as conn:
        row = conn.execute(sa.select(P.accesses).where(
            P.accesses.c.token_hash == token_hash(token))).first()
        if row is None:
            raise AccessUnavailable("unknown")
        facilities = access_facilities(conn, row.id)
        batch = Batch(conn, facilities, now)  # heads first, like every writer
        row = conn.execute(sa.select(P.accesses).where(P.accesses.c.id == row.id)
                           .with_for_update()).one()
        try:
            _check_usable(row, now)
        except AccessUnavailable as refused:
            for facility_id in facilities:
                batch.chain(facility_id).append(**refused_use(
                    now, row.id, facility_id, refused.reason, "/portal/access"))
            batch.write()
            unusable: AccessUnavailable | None = refused
        else:
            unusable = None
            good = hmac.compare_digest(row.code_hash, code_hash(token, code))
            if good:
                conn.execute(sa.update(P.accesses).where(P.accesses.c.id == row.id)
                             .values(redeemed_at=now))
            else:
                conn.execute(sa.update(P.accesses).where(P.accesses.c.id == row.id)
                             .values(code_failures=P.accesses.c.code_failures + 1))
            for facility_id in facilities:
                batch.chain(facility_id).append(
                    at=now, action="inspection:redeem",
                    outcome="applied" if good else "refused",
                    actor=f"inspector:{row.id}", target=row.id, facility_id=facility_id,
                    purpose="security", detail={"source": source,
                                                "failures": row.code_failures + (not good)})
            batch.write()
    if unusable is not None:
        raise unusable
    if not good:
        left = MAX_CODE_FAILURES - row.code_failures - 1
        if left <= 0:
            raise AccessUnavailable("locked")
        raise InputInvalid("code", f"That code is not right. {left} attempt"
                           f"{'s' if left != 1 else ''} left before the access key is locked.")
    return _principal(row, facilities)


def load_inspector(engine: Engine, settings: Settings, access_id: str) -> Principal:
    """The inspector of a redeemed access, or :class:`AccessUnavailable`."""
    with read_tx(engine) as conn:
        row = conn.execute(sa.select(P.accesses).where(P.accesses.c.id == access_id)).first()
        if row is None:
            raise AccessUnavailable("unknown")
        state = _state(row, settings.clock())
        if state == "active":
            return _principal(row, access_facilities(conn, access_id))
    if state != "waiting":
        record_refused_use(engine, settings, access_id, state, "session")
    raise AccessUnavailable("unknown" if state == "waiting" else state)


def _visible(manager: Principal, facilities: Iterable[str]) -> bool:
    return any(manager.sees(f) for f in facilities)


def _row(row: Any, facilities: tuple[str, ...], issuer: str, now: int) -> AccessRow:
    return AccessRow(row.id, row.inspector_name, row.agency, row.purpose, facilities, issuer,
                     row.issued_at, row.not_before, ends_at(row), row.redeemed_at,
                     row.revoked_at, _state(row, now))


def list_accesses(engine: Engine, settings: Settings, manager: Principal) -> list[AccessRow]:
    """Accesses that cover at least one facility in the manager's scope, newest first."""
    now = settings.clock()
    with read_tx(engine) as conn:
        links: dict[str, list[str]] = {}
        for link in conn.execute(sa.select(P.access_facilities)):
            links.setdefault(link.access_id, []).append(link.facility_id)
        rows = conn.execute(sa.select(P.accesses, P.accounts.c.username).join(
            P.accounts, P.accounts.c.id == P.accesses.c.issued_by).order_by(
            P.accesses.c.issued_at.desc())).all()
    return [_row(r, tuple(sorted(links.get(r.id, []))), r.username, now) for r in rows
            if _visible(manager, links.get(r.id, []))]


def access(engine: Engine, settings: Settings, manager: Principal,
           access_id: str) -> tuple[AccessRow, list[View]]:
    """One access and its views and downloads (in the manager's facilities), or
    not found."""
    now = settings.clock()
    with read_tx(engine) as conn:
        row = conn.execute(sa.select(P.accesses, P.accounts.c.username).join(
            P.accounts, P.accounts.c.id == P.accesses.c.issued_by).where(
            P.accesses.c.id == access_id)).first()
        facilities = access_facilities(conn, access_id) if row is not None else ()
        if row is None or not _visible(manager, facilities):
            raise NotFound("There is no such inspector access.")
        views = [View(v.at, v.chain, str((v.detail or {}).get("page", "")),
                      str((v.detail or {}).get("stated_purpose", "")), v.action)
                 for v in conn.execute(sa.select(T.audit.c.at, T.audit.c.chain,
                                                 T.audit.c.detail, T.audit.c.action).where(
                     T.audit.c.actor == f"inspector:{access_id}", LOOKED_UP_ACTOR,
                     T.audit.c.action.in_(("inspect:view", "report:download")))
                     .order_by(T.audit.c.at, T.audit.c.seq))
                 if manager.sees(v.chain)]
    return _row(row, facilities, row.username, now), views


def revoke(engine: Engine, settings: Settings, manager: Principal, access_id: str) -> None:
    """End the access now (the inspector's next request is refused)."""
    current, _ = access(engine, settings, manager, access_id)
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, current.facilities, now)
        done = conn.execute(sa.update(P.accesses).where(
            P.accesses.c.id == access_id, P.accesses.c.revoked_at.is_(None)).values(
            revoked_at=now, revoked_by=manager.id))
        if done.rowcount == 0:
            return
        for facility_id in current.facilities:
            batch.chain(facility_id).append(
                at=now, action="inspection:revoke", outcome="applied", actor=manager.actor,
                target=access_id, facility_id=facility_id, purpose="security")
        batch.write()


def access_log(conn: Connection, manager: Principal, access_id: str,
               facility_id: str) -> list[Any]:
    """The audit entries of one access at one facility: its issue, redemption,
    views and revocation (for the access-log bundle), in order."""
    if not manager.sees(facility_id):
        raise NotFound("There is no such facility.")
    covered = conn.execute(sa.select(P.access_facilities.c.facility_id).where(
        P.access_facilities.c.access_id == access_id,
        P.access_facilities.c.facility_id == facility_id)).first()
    if covered is None:
        raise NotFound("There is no such inspector access.")
    return list(conn.execute(sa.select(T.audit).where(
        T.audit.c.chain == facility_id,
        sa.or_(T.audit.c.actor == f"inspector:{access_id}", T.audit.c.target == access_id))
        .order_by(T.audit.c.seq)))
