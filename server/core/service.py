"""The one object the HTTP edge and the administrative commands hold.

Everything in the core is synchronous and runs in a worker thread (the aiohttp
routes call it through the app's thread pool). :class:`SyncService` binds the
engine and the settings once and hands each call to the module that does it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from protocol.key_rotation import KeyLink
from protocol.messages import (
    EnrollRequest,
    EnrollResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    ReregisterRequest,
    TerminalCertificate,
)
from protocol.ops import OpResult
from protocol.signing import Envelope
from protocol.terminal_events import EventsRequest
from server.settings import Settings
from server.storage import keys
from server.storage.db import read_tx

from . import (
    authentication,
    clones,
    enrollment,
    floods,
    held_review,
    pull,
    push,
    reregistration,
    terminal_events,
)
from .answers import AnswerSigner
from .authentication import TerminalInfo


class SyncService:
    """Enrollment, authentication, push, pull and held review over one engine."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._signer = AnswerSigner(engine, settings)
        self.floods = floods.FloodGate(int(settings.flood_window_s * 1000),
                                       settings.flood_limit, settings.flood_max_sources)

    def seal(self, msg_type: str, body: Any, reply_to: bytes) -> bytes:
        """Sign an answer (see :mod:`.answers`)."""
        return self._signer.seal(msg_type, body, reply_to)

    def seal_encoded(self, msg_type: str, body: bytes, reply_to: bytes) -> bytes:
        """Sign an answer whose body is already msgpack bytes."""
        return self._signer.seal_encoded(msg_type, body, reply_to)

    def key_chain(self) -> list[KeyLink]:
        """Every server key, oldest first, each announced by the one before."""
        with read_tx(self.engine) as conn:
            return keys.key_chain(conn)

    def authenticate(self, envelope: Envelope, source: str = "") -> TerminalInfo:
        """The signing terminal; a refusal is audited per ``source`` (:mod:`.floods`)."""
        def refuse(chain: str | None, terminal_id: str | None, detail: dict[str, Any]) -> None:
            self.refuse(source, chain, "auth:rejected", "bad_signature",
                        terminal_id=terminal_id, detail=detail)
        return authentication.authenticate(self.engine, self.settings, envelope, refuse)

    def refuse(self, source: str, chain: str | None, action: str, outcome: str, *,
               terminal_id: str | None = None, detail: dict[str, Any] | None = None) -> None:
        """Audit a request refused before anyone was known to ask: the source's first
        refusal of the interval now, the rest counted into one entry per interval.
        A refusal naming an enrolled terminal (``chain``: its facility; revoked, or
        the wrong key) is a security event of that facility and is audited now, every
        time: the limiter bounds those too (past ``flood_limit`` the source is refused
        before its body is read)."""
        detail = {**(detail or {}), "peer": source}
        first = {k: str(v)[:120] for k, v in detail.items() if k in ("path", "why", "type")}
        now, due = self.floods.refused(source, outcome, self.settings.clock(), first)
        if now or chain is not None:
            self.audit_rejection(chain, action, outcome, terminal_id=terminal_id, detail=detail)
        self._write_summaries(due)

    def flush_floods(self, *, everything: bool = False) -> int:
        """Write the aggregated entries of ended intervals (every interval when
        ``everything``, at shut-down); how many were written."""
        due = self.floods.due(self.settings.clock(), everything=everything)
        self._write_summaries(due)
        return len(due)

    def _write_summaries(self, due: list[floods.Summary]) -> None:
        for summary in due:
            self.audit_rejection(None, "request:flood", "aggregated", detail=summary.detail())

    def audit_rejection(self, chain: str | None, action: str, outcome: str, *,
                        terminal_id: str | None = None, detail: dict[str, Any] | None = None,
                        actor: str | None = None) -> None:
        authentication.audit_rejection(self.engine, self.settings, chain, action, outcome,
                                       terminal_id=terminal_id, detail=detail, actor=actor)

    def enroll(self, envelope: Envelope, request: EnrollRequest) -> EnrollResponse:
        return enrollment.enroll(self.engine, self.settings, self._signer.public_key,
                                 envelope, request, self._certify)

    def _certify(self, cert: TerminalCertificate) -> bytes:
        return self._signer.seal(reregistration.CERT_TYPE, cert.to_wire(), b"")

    def reregister(self, envelope: Envelope, request: ReregisterRequest) -> str:
        return reregistration.reregister(self.engine, self.settings, self._signer.public_key,
                                         envelope, request)

    def push(self, terminal: TerminalInfo, envelope: Envelope,
             request: PushRequest) -> PushResponse:
        clones.check(self.engine, self.settings, terminal, request.epoch, request)
        return push.push(self.engine, self.settings, terminal, envelope, request)

    def pull(self, terminal: TerminalInfo, envelope: Envelope,
             request: PullRequest) -> PullResponse:
        clones.check(self.engine, self.settings, terminal, request.epoch)
        return pull.pull(self.engine, self.settings, terminal, envelope, request)

    def keep_events(self, terminal: TerminalInfo, envelope: Envelope,
                    request: EventsRequest) -> int:
        """Sign-ins the terminal refused or saw fail offline, into the audit."""
        return terminal_events.keep(self.engine, self.settings, terminal, envelope, request)

    def review_held(self, terminal_id: str, seq: int, *, apply: bool,
                    reviewer: str | None = None) -> OpResult:
        return held_review.review_held(self.engine, self.settings, terminal_id, seq,
                                       apply=apply, reviewer=reviewer)
