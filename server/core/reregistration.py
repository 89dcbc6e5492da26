"""A terminal enrolled after the server's last backup, once the server is
restored from that backup: the server no longer knows it, and would refuse it
as unknown for ever, its applied work lost.

At enrollment the server gave the terminal a certificate (a ``terminal_cert``
envelope signed with the server key: terminal id, key, facility, who enrolled
it). A terminal refused as unknown presents it, in an envelope signed by the
key it names. If the server's own signature holds, the terminal id is unknown
(a known one — revoked, or with another key — is refused as ever) and the
facility and the enrolling user exist, the terminal is registered again with
nothing handled: its next push re-sends every operation from number 1. The
event is audited, and counts as a detected restore (:mod:`.continuity`).

A revocation made after the backup was lost with it; the audit entry names the
terminal so an operator can revoke it again.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from protocol.errors import ProtocolError, SignatureError
from protocol.messages import ReregisterRequest, TerminalCertificate
from protocol.signing import Envelope, open_envelope
from server.errors import NotPermitted
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import write_tx
from server.storage.models import T

from . import continuity
from .authentication import audit_rejection

CERT_TYPE = "terminal_cert"


def reregister(engine: Engine, settings: Settings, server_public_key: Callable[[], bytes],
               envelope: Envelope, request: ReregisterRequest) -> str:
    """Register the certificate's terminal again; return its id."""
    try:
        sealed = open_envelope(request.certificate)
        sealed.verify(server_public_key())
        if sealed.msg_type != CERT_TYPE:
            raise SignatureError
        cert = TerminalCertificate.from_wire(sealed.decoded_body())
        if cert.terminal_id != envelope.sender:
            raise SignatureError
        envelope.verify(cert.public_key)
    except ProtocolError:
        audit_rejection(engine, settings, None, "reregister", "bad_signature",
                        terminal_id=envelope.sender, detail={"why": "certificate"})
        raise SignatureError from None
    now = settings.clock()
    with write_tx(engine) as conn:
        row = conn.execute(sa.select(T.terminals).where(
            T.terminals.c.id == cert.terminal_id)).first()
        if row is not None:
            if row.revoked_at is None and bytes(row.public_key) == cert.public_key:
                return cert.terminal_id  # already known: nothing to do
            why = "revoked terminal" if row.revoked_at is not None else "other key"
            known = False
        else:
            why, known = "", conn.execute(sa.select(T.users.c.id).where(
                T.users.c.id == cert.enrolled_by)).first() is not None
    if why:
        audit_rejection(engine, settings, cert.facility_id, "reregister", "bad_signature",
                        terminal_id=cert.terminal_id, detail={"why": why})
        raise SignatureError
    if not known:
        audit_rejection(engine, settings, cert.facility_id, "reregister", "not_permitted",
                        terminal_id=cert.terminal_id, detail={"why": "enrolling user unknown"})
        raise NotPermitted("the server does not know who enrolled this terminal; enroll it "
                           "again (its changes are kept)")
    with write_tx(engine) as conn:
        batch = Batch(conn, [cert.facility_id], now)
        if cert.facility_id not in batch.heads:
            raise NotPermitted("the terminal's facility is unknown to this server")
        conn.execute(sa.insert(T.terminals).values(
            id=cert.terminal_id, facility_id=cert.facility_id, name=cert.name,
            public_key=cert.public_key, enrolled_by=cert.enrolled_by,
            enrolled_at=cert.enrolled_at, last_seq=0, last_msg_ctr=envelope.counter,
            mrn_start=0, mrn_next=0))
        batch.chain(cert.facility_id).append(
            at=now, action="terminal:reregistered", outcome="applied",
            actor=cert.enrolled_by, terminal_id=cert.terminal_id,
            facility_id=cert.facility_id, purpose="security",
            detail={"name": cert.name, "enrolled_at": cert.enrolled_at,
                    "why": "unknown after a restore; certificate verified"})
        batch.write()
        current = continuity.current(conn)
    if request.generation in (None, current):
        continuity.start(engine, settings, "detected", {
            "terminal": cert.terminal_id, "why": "a terminal enrolled after the backup"})
    return cert.terminal_id
