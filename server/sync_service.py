"""The sync core: enrollment, push and pull, with no web framework in sight.

Everything here is synchronous and runs in a worker thread (the aiohttp
routes call it through ``run_in_executor``). One push batch is one database
transaction: it locks the facility's head row first, so the change sequence it
assigns is commit-ordered and a concurrent pull never skips a change; it checks
and advances the message counter (replays get 409) and the terminal's last
handled operation in the same transaction as the effects.

Operations at or below the terminal's last sequence number get their stored
result back (a different payload under the same number is an alarm:
``seq_mismatch``, audited, not stored). A batch that starts past the next
expected number is not handled at all; ``next_seq`` tells the terminal where
to resume.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection, Engine

from protocol.codec import MAX_MESSAGE_BYTES, decode, encode
from protocol.errors import SignatureError
from protocol.hlc import is_skewed
from protocol.ids import is_id
from protocol.messages import (
    EnrollRequest,
    EnrollResponse,
    MrnPool,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Snapshot,
    operation_from_wire,
)
from protocol.ops import MIN_SCHEMA_VERSION, Operation, OpResult, OpStatus, OpType, Reason
from protocol.records import TERMINAL_ROLES, RecordKind
from protocol.signing import Envelope, check_possession, public_bytes, seal

from .storage import audit
from .storage.batch import Batch, NeedLocks
from .storage.db import insert_many, is_postgres, read_tx, write_tx
from .errors import EnrollmentCodeInvalid, NotPermitted, ReplayedMessage
from .storage.keys import load_server_key
from .storage.models import SYSTEM_CHAIN, T
from .commands.context import Context
from .commands.fingerprints import match_key, payload_hash
from .commands.outcomes import Outcome
from .core.dispatch import handle, id_refs, load_users
from .settings import Settings

log = logging.getLogger(__name__)

MAX_LOCK_RETRIES = 4


@dataclass(frozen=True)
class TerminalInfo:
    id: str
    facility_id: str
    public_key: bytes


def code_hash(code: str) -> str:
    """Codes are compared case-blind, ignoring spaces and dashes clerks type."""
    folded = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(folded.encode()).hexdigest()


class SyncService:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._key: Ed25519PrivateKey | None = None
        self._key_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._counter = 0

    # --- the server's own signature ------------------------------------------------

    @property
    def server_key(self) -> Ed25519PrivateKey:
        with self._key_lock:
            if self._key is None:
                with read_tx(self.engine) as conn:
                    self._key = load_server_key(conn)
            return self._key

    def seal(self, msg_type: str, body: Any, reply_to: bytes) -> bytes:
        """Sign an answer. The counter is the server clock, kept strictly rising."""
        now = self.settings.clock()
        with self._counter_lock:
            self._counter = max(self._counter + 1, now)
            counter = self._counter
        return seal(self.server_key, msg_type, "server", counter, body, reply_to=reply_to,
                    ts=now).to_bytes()

    # --- authentication ---------------------------------------------------------------

    def authenticate(self, envelope: Envelope) -> TerminalInfo:
        """A known, unrevoked terminal whose key signed the envelope; anything
        else is one indistinguishable :class:`SignatureError`, audited.
        """
        with read_tx(self.engine) as conn:
            row = conn.execute(sa.select(T.terminals).where(
                T.terminals.c.id == envelope.sender)).first()
        try:
            if row is None or row.revoked_at is not None:
                raise SignatureError()
            envelope.verify(bytes(row.public_key))
        except SignatureError:
            why = ("unknown terminal" if row is None else
                   "revoked terminal" if row.revoked_at is not None else "bad signature")
            self.audit_rejection(row.facility_id if row else None, "auth:rejected",
                                 "bad_signature", terminal_id=envelope.sender,
                                 detail={"why": why, "type": envelope.msg_type})
            raise
        return TerminalInfo(row.id, row.facility_id, bytes(row.public_key))

    def audit_rejection(self, chain: str | None, action: str, outcome: str, *,
                        terminal_id: str | None = None, detail: dict[str, Any] | None = None,
                        actor: str | None = None) -> None:
        with write_tx(self.engine) as conn:
            audit.record_event(conn, chain, at=self.settings.clock(), action=action,
                               outcome=outcome, terminal_id=terminal_id, actor=actor,
                               facility_id=chain, purpose="security", detail=detail or {})

    def _consume_counter(self, conn: Connection, terminal: TerminalInfo, counter: int) -> None:
        result = conn.execute(sa.update(T.terminals).where(
            T.terminals.c.id == terminal.id, T.terminals.c.last_msg_ctr < counter,
            T.terminals.c.revoked_at.is_(None)).values(last_msg_ctr=counter))
        if result.rowcount == 0:
            raise ReplayedMessage()

    def _replayed(self, terminal: TerminalInfo, envelope: Envelope) -> None:
        self.audit_rejection(terminal.facility_id, "auth:replay", "replayed_message",
                             terminal_id=terminal.id,
                             detail={"counter": envelope.counter, "type": envelope.msg_type})

    # --- enrollment -------------------------------------------------------------------

    def enroll(self, envelope: Envelope, request: EnrollRequest) -> EnrollResponse:
        envelope.verify(request.public_key)
        check_possession(request.public_key, request.code, request.proof)
        now = self.settings.clock()
        try:
            return self._enroll(request, now)
        except EnrollmentCodeInvalid as exc:
            self.audit_rejection(None, "enroll", "enrollment_code_invalid",
                                 detail={"why": exc.detail, "user": request.username})
            raise
        except NotPermitted as exc:
            self.audit_rejection(None, "enroll", "not_permitted",
                                 detail={"why": exc.detail, "user": request.username})
            raise

    def _enroll(self, request: EnrollRequest, now: int) -> EnrollResponse:
        from protocol.ids import new_id  # noqa: PLC0415

        with write_tx(self.engine) as conn:
            code = conn.execute(sa.select(T.codes).where(
                T.codes.c.code_hash == code_hash(request.code))).first()
            if code is None:
                raise EnrollmentCodeInvalid()
            batch = Batch(conn, [code.facility_id], now)  # head first, then re-read
            code = conn.execute(sa.select(T.codes).where(
                T.codes.c.code_hash == code.code_hash).with_for_update()).one()
            if code.used_at is not None:
                raise EnrollmentCodeInvalid()
            if code.expires_at <= now:
                raise EnrollmentCodeInvalid("the enrollment code has expired; ask for a new one")
            user = conn.execute(sa.select(T.users).where(
                T.users.c.username == request.username)).first()
            if (user is None or user.facility_id != code.facility_id or not user.active
                    or user.role not in TERMINAL_ROLES):
                raise NotPermitted("that user cannot enroll a terminal for this facility")
            facility = conn.execute(sa.select(T.facilities).where(
                T.facilities.c.id == code.facility_id)).one()
            terminal_id = new_id(now)
            pool = self._allocate_pool(conn, facility.id)
            conn.execute(sa.insert(T.terminals).values(
                id=terminal_id, facility_id=facility.id, name=request.terminal_name,
                public_key=request.public_key, enrolled_by=user.id, enrolled_at=now,
                last_seq=0, last_msg_ctr=0, mrn_start=pool.start, mrn_next=pool.end))
            conn.execute(sa.update(T.codes).where(T.codes.c.code_hash == code.code_hash)
                         .values(used_at=now, terminal_id=terminal_id))
            batch.chain(facility.id).append(
                at=now, action="enroll", outcome="applied", actor=user.id,
                terminal_id=terminal_id, facility_id=facility.id, purpose="security",
                detail={"name": request.terminal_name,
                        "key": hashlib.sha256(request.public_key).hexdigest()[:32]})
            batch.write()
        return EnrollResponse(
            terminal_id=terminal_id, facility_id=facility.id, facility_name=facility.name,
            server_public_key=public_bytes(self.server_key), user_id=user.id,
            username=user.username, role=user.role, mrn_pool=pool, server_time=now)

    def _allocate_pool(self, conn: Connection, facility_id: str) -> MrnPool:
        size = self.settings.mrn_pool_size
        # FOR NO KEY UPDATE: foreign-key checks of concurrent inserts take KEY
        # SHARE on this row and must not be blocked by (or deadlock with) it.
        facility = conn.execute(sa.select(T.facilities).where(
            T.facilities.c.id == facility_id).with_for_update(key_share=True)).one()
        conn.execute(sa.update(T.facilities).where(T.facilities.c.id == facility_id)
                     .values(mrn_next=facility.mrn_next + size))
        return MrnPool(facility.mrn_prefix, facility.mrn_next, facility.mrn_next + size)

    # --- push ----------------------------------------------------------------------

    def push(self, terminal: TerminalInfo, envelope: Envelope,
             request: PushRequest) -> PushResponse:
        extra: set[str] = set()
        for op in request.ops:
            args = op.payload.get("args")
            if op.op_type is OpType.COMMAND and isinstance(args, dict) \
                    and isinstance(args.get("to_facility_id"), str):
                extra.add(args["to_facility_id"])
        for _ in range(MAX_LOCK_RETRIES):
            try:
                response, alarms = self._push_once(terminal, envelope, request, extra)
            except NeedLocks as need:
                extra |= need.facility_ids
                continue
            except ReplayedMessage:
                self._replayed(terminal, envelope)
                raise
            self.settings.fault("push:after_commit")
            for alarm in alarms:
                log.warning("sequence mismatch from terminal %s: %s", terminal.id, alarm)
            return response
        raise RuntimeError("could not lock the facilities a push needs")

    def _push_once(self, terminal: TerminalInfo, envelope: Envelope, request: PushRequest,
                   extra: set[str]) -> tuple[PushResponse, list[dict[str, Any]]]:
        now = self.settings.clock()
        alarms: list[dict[str, Any]] = []
        with write_tx(self.engine) as conn:
            batch = Batch(conn, {terminal.facility_id, *extra}, now)
            self._consume_counter(conn, terminal, envelope.counter)
            last_seq = conn.execute(sa.select(T.terminals.c.last_seq).where(
                T.terminals.c.id == terminal.id)).scalar_one()
            if request.schema < MIN_SCHEMA_VERSION or any(
                    op.schema < MIN_SCHEMA_VERSION for op in request.ops):
                self.settings.fault("push:before_commit")
                return PushResponse([], last_seq + 1, now, upgrade_required=True), alarms
            hashes = {op.seq: payload_hash(op) for op in request.ops}
            old = [op for op in request.ops if op.seq <= last_seq]
            new = [op for op in request.ops if op.seq > last_seq]
            if new and new[0].seq != last_seq + 1:
                new = []  # a gap: the terminal resends from last_seq + 1
            results = self._stored_results(batch, terminal, old, hashes, alarms)
            if new:
                results.extend(self._handle_new(batch, terminal, envelope, new, hashes))
                last_seq = new[-1].seq
                conn.execute(sa.update(T.terminals).where(T.terminals.c.id == terminal.id)
                             .values(last_seq=last_seq))
            batch.write()
            self.settings.fault("push:before_commit")
        return PushResponse(results, last_seq + 1, now), alarms

    def _stored_results(self, batch: Batch, terminal: TerminalInfo, old: list[Operation],
                        hashes: dict[int, str], alarms: list[dict[str, Any]]) -> list[OpResult]:
        if not old:
            return []
        rows = batch.conn.execute(sa.select(T.ops).where(
            T.ops.c.terminal_id == terminal.id,
            T.ops.c.seq.between(old[0].seq, old[-1].seq))).all()
        stored = {row.seq: row for row in rows}
        results = []
        for op in old:
            row = stored.get(op.seq)
            if row is not None and row.payload_hash == hashes[op.seq]:
                results.append(_result_from_row(row))
                continue
            alarm = {"seq": op.seq, "op": op.op_id, "hash": hashes[op.seq][:32],
                     "stored_op": row.op_id if row else None}
            alarms.append(alarm)
            batch.chain(terminal.facility_id).append(
                at=batch.now, action="push:seq_mismatch", outcome="alarm", actor=op.user_id,
                terminal_id=terminal.id, facility_id=terminal.facility_id,
                purpose="security", detail=alarm)
            results.append(OpResult(op.seq, op.op_id, OpStatus.REJECTED,
                                    str(Reason.SEQ_MISMATCH),
                                    "a different change is stored under this number"))
        return results

    def _handle_new(self, batch: Batch, terminal: TerminalInfo, envelope: Envelope,
                    ops: list[Operation], hashes: dict[int, str]) -> list[OpResult]:
        conn = batch.conn
        batch.prefetch(ref for op in ops for ref in id_refs(op.payload))
        batch.prefetch_match_keys(terminal.facility_id, filter(None, (
            match_key(op.payload["fields"]) for op in ops
            if op.op_type is OpType.CREATE and op.payload.get("kind") == "resident"
            and isinstance(op.payload.get("fields"), dict))))
        users = load_users(conn, {op.user_id for op in ops})
        ctx = Context(batch, terminal.facility_id)
        skew = ["clock_skew"] if is_skewed(envelope.ts, batch.now) else []
        chain = batch.chain(terminal.facility_id)
        results: list[OpResult] = []
        op_rows: list[dict[str, Any]] = []
        for op in ops:
            outcome = handle(ctx, op, users.get(op.user_id), terminal.id)
            outcome.flags.extend(skew)
            result = OpResult(op.seq, op.op_id, outcome.status, outcome.reason,
                              outcome.detail, outcome.server_seq, tuple(outcome.flags))
            results.append(result)
            op_rows.append(_op_row(terminal.id, op, hashes[op.seq], result, batch.now,
                                   held=outcome.status is OpStatus.HELD))
            chain.append(**_audit_fields(terminal, op, hashes[op.seq], outcome, batch.now))
        insert_many(conn, T.ops, op_rows)
        return results

    # --- review of held operations -------------------------------------------------------

    def review_held(self, terminal_id: str, seq: int, *, apply: bool,
                    reviewer: str | None = None) -> OpResult:
        from .errors import NotFound  # noqa: PLC0415

        extra: set[str] = set()
        for _ in range(MAX_LOCK_RETRIES):
            now = self.settings.clock()
            try:
                with write_tx(self.engine) as conn:
                    term = conn.execute(sa.select(T.terminals).where(
                        T.terminals.c.id == terminal_id)).first()
                    if term is None:
                        raise NotFound(f"no terminal {terminal_id}")
                    batch = Batch(conn, {term.facility_id, *extra}, now)
                    row = conn.execute(sa.select(T.ops).where(
                        T.ops.c.terminal_id == terminal_id, T.ops.c.seq == seq)).first()
                    if row is None or row.status != OpStatus.HELD or row.held_op is None:
                        raise NotFound(f"no held operation {seq} from terminal {terminal_id}")
                    op = operation_from_wire(decode(bytes(row.held_op)))
                    info = TerminalInfo(term.id, term.facility_id, bytes(term.public_key))
                    if apply:
                        users = load_users(conn, {op.user_id})
                        batch.prefetch(id_refs(op.payload))
                        outcome = handle(Context(batch, term.facility_id), op,
                                         users.get(op.user_id), term.id, reviewed=True)
                    else:
                        outcome = Outcome(OpStatus.REJECTED, reason=str(Reason.USER_INACTIVE),
                                          detail="rejected at supervisor review")
                    outcome.flags.append("reviewed")
                    result = OpResult(seq, op.op_id, outcome.status, outcome.reason,
                                      outcome.detail, outcome.server_seq, tuple(outcome.flags))
                    conn.execute(sa.update(T.ops).where(
                        T.ops.c.terminal_id == terminal_id, T.ops.c.seq == seq).values(
                        status=str(result.status), reason=result.reason, detail=result.detail,
                        server_seq=result.server_seq, flags=",".join(result.flags),
                        held_op=None, handled_at=now))
                    fields = _audit_fields(info, op, row.payload_hash, outcome, now)
                    fields["action"] = "review:" + fields["action"]
                    fields["detail"]["reviewer"] = reviewer
                    batch.chain(term.facility_id).append(**fields)
                    batch.write()
                    return result
            except NeedLocks as need:
                extra |= need.facility_ids
        raise RuntimeError("could not lock the facilities the review needs")

    # --- pull ----------------------------------------------------------------------------

    def pull(self, terminal: TerminalInfo, envelope: Envelope,
             request: PullRequest) -> PullResponse:
        now = self.settings.clock()
        try:
            with write_tx(self.engine) as conn:
                self._consume_counter(conn, terminal, envelope.counter)
                rows = conn.execute(
                    sa.select(T.changes.c.seq, T.changes.c.snapshot).where(
                        T.changes.c.facility_id == terminal.facility_id,
                        T.changes.c.seq > request.cursor)
                    .order_by(T.changes.c.seq).limit(request.limit + 1)).all()
                results = []
                if request.held:
                    held_rows = conn.execute(sa.select(T.ops).where(
                        T.ops.c.terminal_id == terminal.id,
                        T.ops.c.seq.in_(request.held))).all()
                    results = [_result_from_row(row) for row in held_rows]
                pool = None
                if request.want_mrns:
                    pool = self._allocate_pool(conn, terminal.facility_id)
                    conn.execute(sa.update(T.terminals).where(T.terminals.c.id == terminal.id)
                                 .values(mrn_start=pool.start, mrn_next=pool.end))
        except ReplayedMessage:
            self._replayed(terminal, envelope)
            raise
        more = len(rows) > request.limit
        rows = rows[:request.limit]
        # A page must fit in one message the terminal will accept: stop early
        # (always taking at least one change) when the snapshots grow large.
        taken, size = 0, 0
        for row in rows:
            size += len(row.snapshot) + SNAPSHOT_OVERHEAD
            if taken and size > PULL_PAGE_BYTES:
                more = True
                break
            taken += 1
        rows = rows[:taken]
        changes = [_snapshot(row.seq, bytes(row.snapshot)) for row in rows]
        cursor = rows[-1].seq if rows else request.cursor
        return PullResponse(changes, cursor, more, now, results, pool)


# --- helpers ---------------------------------------------------------------------------------

PULL_PAGE_BYTES = MAX_MESSAGE_BYTES * 3 // 4
"""Snapshot bytes in one pull page: room is left for the envelope and the
per-change framing, so an answer never exceeds what a terminal decodes."""
SNAPSHOT_OVERHEAD = 32


def _snapshot(seq: int, raw: bytes) -> Snapshot:
    wire = decode(raw)
    return Snapshot(kind=RecordKind(wire["k"]), record_id=wire["id"], facility_id=wire["f"],
                    data=wire["d"], versions=wire["v"], conflicts=wire["c"], status=wire["s"],
                    seq=seq, gone=wire["gone"])


def _result_from_row(row: Any) -> OpResult:
    return OpResult(row.seq, row.op_id, OpStatus(row.status), row.reason, row.detail,
                    row.server_seq, tuple(row.flags.split(",")) if row.flags else ())


def _op_row(terminal_id: str, op: Operation, phash: str, result: OpResult, now: int, *,
            held: bool) -> dict[str, Any]:
    return {"terminal_id": terminal_id, "seq": op.seq, "op_id": op.op_id,
            "payload_hash": phash, "status": str(result.status), "reason": result.reason,
            "detail": result.detail, "server_seq": result.server_seq,
            "flags": ",".join(result.flags), "handled_at": now,
            "held_op": encode(op.to_wire()) if held else None}


def _audit_fields(terminal: TerminalInfo, op: Operation, phash: str, outcome: Outcome,
                  now: int) -> dict[str, Any]:
    payload = op.payload
    what = payload.get("kind") or payload.get("name") or ""
    detail: dict[str, Any] = {"op": op.op_id, "seq": op.seq, "hash": phash[:32],
                              "at": op.recorded_at}
    if outcome.reason:
        detail["reason"] = outcome.reason
    if outcome.server_seq is not None:
        detail["server_seq"] = outcome.server_seq
    if outcome.flags:
        detail["flags"] = list(outcome.flags)
    detail.update(outcome.audit)
    target = outcome.target or op.target_id
    return {"at": now, "action": f"{op.op_type}:{what}"[:64], "outcome": str(outcome.status),
            "actor": op.user_id, "terminal_id": terminal.id,
            "facility_id": terminal.facility_id,
            # Only a well-formed id: a hostile payload's "id" can be anything.
            "target": target if is_id(target) else None,
            "purpose": "treatment" if what in ("note", "diagnosis") else "operations",
            "detail": detail}


__all__ = ["SYSTEM_CHAIN", "SyncService", "TerminalInfo", "code_hash", "is_postgres"]
