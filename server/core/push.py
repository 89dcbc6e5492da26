"""Push: a terminal's operations, handled in sequence order in one transaction.

One push batch is one database transaction. It locks the facility's head row
first, so the change sequence it assigns is commit-ordered and a concurrent
pull never skips a change; it checks and advances the message counter (a replay
gets 409) and stores the terminal's last handled operation in the same
transaction as the effects. A crash before the commit leaves the counter
unused, so the very same envelope may be resent.

Operations at or below the terminal's last sequence number get their stored
result back. A different payload under a handled number means this copy of
the terminal is behind the server (restored from an older copy, or a clone):
audited ``push:seq_mismatch``, nothing in the batch is decided, and the answer
says ``behind`` so the terminal renumbers its new changes in a new epoch
(:mod:`client.sync.terminal_restore`). A batch that starts past the next
expected number is not handled at all; ``next_seq`` tells the terminal where
to resume. Each new operation is decided by :func:`server.core.dispatch.handle`
and always gets a result; a failing one never blocks the ones after it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from protocol.hlc import MAX_DRIFT_MS, is_skewed, wall_ms
from protocol.ids import is_id
from protocol.messages import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, PushRequest, PushResponse
from protocol.ops import (
    MIN_SCHEMA_VERSION,
    SCHEMA_VERSION,
    Operation,
    OpResult,
    OpStatus,
    OpType,
)
from protocol.signing import Envelope
from server.commands.context import Context
from server.commands.fingerprints import match_key, payload_hash
from server.errors import ReplayedMessage
from server.settings import Settings
from server.storage.batch import Batch, with_facility_locks
from server.storage.db import write_tx
from server.storage.models import T
from server.storage.rows import insert_many

from . import carried, clones, continuity
from .authentication import TerminalInfo, audit_replay, consume_counter_for_push
from .dependencies import RejectedCreates
from .dispatch import Checked, check, handle, id_refs, load_users
from .results import audit_fields, op_row, result_from_row, result_of

log = logging.getLogger(__name__)


def push(engine: Engine, settings: Settings, terminal: TerminalInfo, envelope: Envelope,
         request: PushRequest) -> PushResponse:
    # A transfer writes to the receiving facility too: lock its head up front.
    extra: set[str] = set()
    for op in request.ops:
        args = op.payload.get("args")
        if op.op_type is OpType.COMMAND and isinstance(args, dict) \
                and is_id(args.get("to_facility_id")):
            extra.add(args["to_facility_id"])
    # Hashed and validated before any lock is taken: the facility's pushes wait
    # on each other only for the decisions and the writes. A payload checked
    # ahead serves one attempt (a handler may change its cleaned copy); a rare
    # second attempt (more facilities to lock) checks again.
    hashes = {op.seq: payload_hash(op) for op in request.ops}
    ahead = [{op.seq: check(op) for op in request.ops}]

    def attempt(facilities: set[str]) -> tuple[PushResponse, list[dict[str, Any]], bool]:
        checked = ahead.pop() if ahead else {}
        return _push_once(engine, settings, terminal, envelope, request, hashes, checked,
                          extra=facilities)

    try:
        response, alarms, forgotten = with_facility_locks(attempt, extra, "a push")
    except ReplayedMessage:
        audit_replay(engine, settings, terminal, envelope)
        raise
    if forgotten:
        # The terminal holds answers to operations this server no longer has:
        # the database came back from an older copy (continuity).
        continuity.start(engine, settings, "detected", {
            "terminal": terminal.id, "expected": response.next_seq,
            "sent_from": request.ops[0].seq})
    settings.fault("push:after_commit")
    for alarm in alarms:
        log.warning("sequence mismatch from terminal %s: %s", terminal.id, alarm)
    if request.protocol < PROTOCOL_VERSION:  # reasons told as that terminal knows them
        response = replace(response, results=[result.for_protocol(request.protocol)
                                              for result in response.results])
    return response


def _push_once(engine: Engine, settings: Settings, terminal: TerminalInfo, envelope: Envelope,
               request: PushRequest, hashes: dict[int, str], checked: dict[int, Checked], *,
               extra: set[str]) -> tuple[PushResponse, list[dict[str, Any]], bool]:
    """The push in one transaction: the answer, the alarms to log, and whether
    the terminal showed the server forgot operations it had answered."""
    now = settings.clock()
    alarms: list[dict[str, Any]] = []
    with write_tx(engine) as conn:
        batch = Batch(conn, {terminal.facility_id, *extra}, now)
        last_seq, epoch = consume_counter_for_push(conn, terminal, envelope.counter)
        if request.epoch > epoch:
            _new_epoch(batch, terminal, request, last_seq)
        if request.protocol < MIN_PROTOCOL_VERSION or request.schema < MIN_SCHEMA_VERSION \
                or any(op.schema < MIN_SCHEMA_VERSION for op in request.ops):
            settings.fault("push:before_commit")
            return PushResponse([], last_seq + 1, now, upgrade_required=True), alarms, False
        if request.protocol > PROTOCOL_VERSION or any(
                op.schema > SCHEMA_VERSION for op in request.ops):
            # Written under rules this server does not know yet: deciding them
            # now could reject a valid change for good. They wait on the
            # terminal until the server is upgraded.
            batch.chain(terminal.facility_id).append(
                at=now, action="push:server_too_old", outcome="deferred", actor=None,
                terminal_id=terminal.id, facility_id=terminal.facility_id,
                purpose="operations",
                detail={"proto": request.protocol,
                        "schema": max(op.schema for op in request.ops) if request.ops else 0})
            batch.write()
            return PushResponse([], last_seq + 1, now, server_too_old=True), alarms, False
        clones.mark_resent(conn, [op.op_id for op in request.ops])
        old = [op for op in request.ops if op.seq <= last_seq]
        new = [op for op in request.ops if op.seq > last_seq]
        # Only pending operations are sent first: one past the next expected
        # number means the server forgot answers the terminal holds.
        forgotten = bool(new) and new[0].seq > last_seq + 1 and not old \
            and request.generation in (None, continuity.current(conn))
        if new and new[0].seq != last_seq + 1:
            if request.resume and not old:
                # The server lost these (a restore) and the terminal no longer
                # has them (past its retention window): gone for good; say so.
                batch.chain(terminal.facility_id).append(
                    at=now, action="push:gap_accepted", outcome="lost", actor=None,
                    terminal_id=terminal.id, facility_id=terminal.facility_id,
                    purpose="security", detail={"from": last_seq + 1, "to": new[0].seq - 1})
                last_seq = new[0].seq - 1
            else:
                new = []  # a gap: the terminal resends from last_seq + 1
        results = _stored_results(batch, terminal, old, hashes, alarms)
        if alarms:
            # Other operations were handled under these numbers: this copy of
            # the terminal is behind (restored from an older copy, or a clone).
            # Nothing new is decided; it renumbers its new changes and sends
            # again. The answers to the ones it shares with the server go back
            # with it, or it would renumber and send those a second time.
            batch.write()
            return PushResponse(results, last_seq + 1, now, behind=True), alarms, False
        if new:
            results.extend(_handle_new(batch, terminal, envelope, new, hashes, checked))
            last_seq = new[-1].seq
            conn.execute(sa.update(T.terminals).where(T.terminals.c.id == terminal.id)
                         .values(last_seq=last_seq))
        batch.write()
        settings.fault("push:before_commit")
    return PushResponse(results, last_seq + 1, now), alarms, forgotten


def _new_epoch(batch: Batch, terminal: TerminalInfo, request: PushRequest,
               last_seq: int) -> None:
    """A copy restored from an older backup renumbered its new changes: note
    its new epoch (a copy still on an older one is then a clone)."""
    batch.conn.execute(sa.update(T.terminals).where(T.terminals.c.id == terminal.id)
                       .values(epoch=request.epoch))
    batch.chain(terminal.facility_id).append(
        at=batch.now, action="terminal:restored", outcome="renumbered",
        terminal_id=terminal.id, facility_id=terminal.facility_id, purpose="security",
        detail={"epoch": request.epoch, "from_seq": last_seq + 1,
                "ops": len(request.ops)})


def _stored_results(batch: Batch, terminal: TerminalInfo, old: list[Operation],
                    hashes: dict[int, str], alarms: list[dict[str, Any]]) -> list[OpResult]:
    """Answers to resent operations: the stored result when the payload matches."""
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
            results.append(result_from_row(row))
            continue
        alarm = {"seq": op.seq, "op": op.op_id, "hash": hashes[op.seq][:32],
                 "stored_op": row.op_id if row else None}
        alarms.append(alarm)
        batch.chain(terminal.facility_id).append(
            at=batch.now, action="push:seq_mismatch", outcome="behind", actor=op.user_id,
            terminal_id=terminal.id, facility_id=terminal.facility_id,
            purpose="security", detail=alarm)
    return results


def _note_resident(op: Operation) -> str | None:
    """The resident a new note is about (its stays are read with the batch's)."""
    fields = op.payload.get("fields")
    if op.payload.get("kind") != "note" or not isinstance(fields, dict):
        return None
    resident = fields.get("resident_id")
    return resident if isinstance(resident, str) else None


def _handle_new(batch: Batch, terminal: TerminalInfo, envelope: Envelope,
                ops: list[Operation], hashes: dict[int, str], checked: dict[int, Checked]
                ) -> list[OpResult]:
    conn = batch.conn
    # What the batch reads ahead it reads for valid payloads only: an invalid
    # one is rejected before any look-up, and its text may be anything (a NUL,
    # which PostgreSQL's text cannot hold, in a name, a record number or an id).
    checked = {op.seq: checked[op.seq] if op.seq in checked else check(op) for op in ops}
    valid = [op for op in ops if isinstance(checked[op.seq], dict)]
    batch.prefetch(ref for op in valid for ref in id_refs(op.payload))
    new_residents = [op.payload["fields"] for op in valid
                     if op.op_type is OpType.CREATE and op.payload.get("kind") == "resident"
                     and isinstance(op.payload.get("fields"), dict)]
    batch.prefetch_match_keys(terminal.facility_id,
                              filter(None, (match_key(f) for f in new_residents)))
    batch.prefetch_mrns(terminal.facility_id, (str(f["mrn"]) for f in new_residents
                                               if f.get("mrn") is not None))
    batch.prefetch_stays(filter(None, (
        _note_resident(op) for op in valid if op.op_type is OpType.CREATE)))
    users = load_users(conn, {op.user_id for op in ops})
    ctx = Context(batch, terminal.facility_id)
    sent_skewed = is_skewed(envelope.ts, batch.now)
    chain = batch.chain(terminal.facility_id)
    results: list[OpResult] = []
    op_rows: list[dict[str, Any]] = []
    rejected_creates = RejectedCreates(batch, terminal.id)
    reviewed = clones.decided_at_review(conn, [op.op_id for op in ops])
    earlier = carried.handled_before(conn, terminal, ops)
    for op in ops:
        if op.op_id in earlier:  # carried over by a re-enrolment: answered already
            result, outcome = carried.original(op, earlier[op.op_id])
            rejected_creates.note(op, outcome)
            results.append(result)
            op_rows.append(op_row(terminal.id, op, hashes[op.seq], result, batch.now,
                                  held=False))
            fields = audit_fields(terminal, op, hashes[op.seq], outcome, batch.now)
            chain.append(**{**fields, "action": ("carried:" + fields["action"])[:64]})
            continue
        outcome = reviewed.get(op.op_id) or rejected_creates.explain(
            op, handle(ctx, op, users.get(op.user_id), terminal.id, checked=checked.get(op.seq)))
        rejected_creates.note(op, outcome)
        # Skewed: sent by a clock far from ours, or stamped in our future (a
        # clock that ran ahead and was corrected since: the stamp keeps its flag).
        if sent_skewed or wall_ms(op.recorded_at) - batch.now > MAX_DRIFT_MS:
            outcome.flags.append("clock_skew")
        result = result_of(op, outcome)
        results.append(result)
        op_rows.append(op_row(terminal.id, op, hashes[op.seq], result, batch.now,
                              held=outcome.status is OpStatus.HELD))
        chain.append(**audit_fields(terminal, op, hashes[op.seq], outcome, batch.now))
    insert_many(conn, T.ops, op_rows)
    return results
