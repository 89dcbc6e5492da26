"""Enrolling a terminal: a one-time code, bound to a facility, turns a new key
into a known terminal.

The request is signed by the key the terminal asks the server to bind, and
carries a proof of possession over the code. The code must exist (only its
hash is stored), be unused and unexpired; the user named must be an active
clerk or records manager of the code's facility. Success uses the code, issues
the terminal its first record-number pool and hands it the server's public key
to pin. Every refusal is audited; a refused user leaves the code unused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from protocol.ids import new_id
from protocol.messages import EnrollRequest, EnrollResponse, TerminalCertificate
from protocol.signing import Envelope, check_possession
from server.errors import EnrollmentCodeInvalid, NotPermitted
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import write_tx
from server.storage.models import T

from .authentication import audit_rejection
from .facility_names import name_terminals
from .mrn_pools import allocate_pool
from .permissions import acts_for


def code_hash(code: str) -> str:
    """Codes are compared case-blind, ignoring spaces and dashes clerks type."""
    folded = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(folded.encode()).hexdigest()


def enroll(engine: Engine, settings: Settings, server_public_key: Callable[[], bytes],
           envelope: Envelope, request: EnrollRequest,
           certify: Callable[[TerminalCertificate], bytes]) -> EnrollResponse:
    """Bind the request's key to a new terminal, or refuse (audited). ``certify``
    signs the certificate the terminal keeps (:mod:`.reregistration`)."""
    envelope.verify(request.public_key)
    check_possession(request.public_key, request.code, request.proof)
    now = settings.clock()
    try:
        response = _enroll(engine, settings, server_public_key, request, now)
    except EnrollmentCodeInvalid as exc:
        audit_rejection(engine, settings, None, "enroll", "enrollment_code_invalid",
                        detail={"why": exc.detail, "user": request.username})
        raise
    except NotPermitted as exc:
        audit_rejection(engine, settings, None, "enroll", "not_permitted",
                        detail={"why": exc.detail, "user": request.username})
        raise
    cert = TerminalCertificate(response.terminal_id, response.facility_id, request.public_key,
                               response.user_id, now, request.terminal_name)
    return replace(response, certificate=certify(cert))


def _enroll(engine: Engine, settings: Settings, server_public_key: Callable[[], bytes],
            request: EnrollRequest, now: int) -> EnrollResponse:
    with write_tx(engine) as conn:
        code = conn.execute(sa.select(T.codes).where(
            T.codes.c.code_hash == code_hash(request.code))).first()
        if code is None:
            raise EnrollmentCodeInvalid
        batch = Batch(conn, [code.facility_id], now)  # head first, then re-read
        code = conn.execute(sa.select(T.codes).where(
            T.codes.c.code_hash == code.code_hash).with_for_update()).one()
        if code.used_at is not None:
            raise EnrollmentCodeInvalid
        if code.expires_at <= now:
            raise EnrollmentCodeInvalid("the enrollment code has expired; ask for a new one")
        user = conn.execute(sa.select(T.users).where(
            T.users.c.username == request.username)).first()
        if user is None or not user.active or not acts_for(user.facility_id, user.role,
                                                            code.facility_id):
            raise NotPermitted("that user cannot enroll a terminal for this facility")
        facility = conn.execute(sa.select(T.facilities).where(
            T.facilities.c.id == code.facility_id)).one()
        terminal_id = new_id(now)
        pool = allocate_pool(conn, facility.id, settings.mrn_pool_size)
        conn.execute(sa.insert(T.terminals).values(
            id=terminal_id, facility_id=facility.id, name=request.terminal_name,
            public_key=request.public_key, enrolled_by=user.id, enrolled_at=now,
            last_seq=0, last_msg_ctr=0, mrn_start=pool.start, mrn_next=pool.end))
        conn.execute(sa.update(T.codes).where(T.codes.c.code_hash == code.code_hash)
                     .values(used_at=now, terminal_id=terminal_id))
        name_terminals(batch, conn, facility.id)
        batch.chain(facility.id).append(
            at=now, action="enroll", outcome="applied", actor=user.id,
            terminal_id=terminal_id, facility_id=facility.id, purpose="security",
            detail={"name": request.terminal_name,
                    "key": hashlib.sha256(request.public_key).hexdigest()[:32]})
        batch.write()
    return EnrollResponse(
        terminal_id=terminal_id, facility_id=facility.id, facility_name=facility.name,
        server_public_key=server_public_key(), user_id=user.id,
        username=user.username, role=user.role, mrn_pool=pool, server_time=now)
