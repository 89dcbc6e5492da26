"""A small in-process stand-in for the central server, speaking the real wire
protocol (signed envelopes, msgpack bodies) so the terminal's sync engine is
exercised end to end without aiohttp. It keeps the server's promises that the
terminal relies on: idempotent pushes by sequence number, per-terminal message
counters, one result per operation, a per-facility change log read by cursor.
Command semantics are deliberately minimal (admit, discharge, assign bed,
leave, return, transfer); the real server's rules are tested in tests/server.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from protocol.codec import canonical, decode, encode
from protocol.errors import ProtocolError, SchemaError, SignatureError, ValidationError
from protocol.ids import new_id
from protocol.merge import ACTIVE, REPLACED, Author, RecordState, apply_update, new_record
from protocol.merge import resolve_conflict as merge_resolve
from protocol.merge import void as merge_void
from protocol.messages import (
    MAX_PULL_PAGE,
    EnrollRequest,
    EnrollResponse,
    MrnPool,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Snapshot,
)
from protocol.ops import REASON_TEXT, OpResult, OpStatus, OpType, Reason, check_payload
from protocol.records import RecordKind
from protocol.signing import (
    check_possession,
    new_private_key,
    open_envelope,
    public_bytes,
    seal,
)

SERVER_TIME = 1_768_467_600_000


@dataclass
class Terminal:
    terminal_id: str
    facility_id: str
    public_key: bytes
    last_counter: int = 0
    last_seq: int = 0
    results: dict[int, tuple[bytes, OpResult]] = field(default_factory=dict)
    revoked: bool = False


@dataclass
class Rec:
    kind: RecordKind
    facility_id: str
    state: RecordState


class FakeServer:
    """Implements the Transport protocol itself: ``post(path, body, timeout)``."""

    def __init__(self) -> None:
        self.key = new_private_key()
        self.counter = itertools.count(1)
        self.facilities: dict[str, str] = {}
        self.codes: dict[str, tuple[str, str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.terminals: dict[str, Terminal] = {}
        self.records: dict[str, Rec] = {}
        self.log: list[tuple[int, str, str, bool]] = []  # seq, facility, record id, gone
        self.seq = 0
        self.next_mrn = 1
        self.upgrade_required = False
        self.handled_pushes = 0
        self.fail_next: list[int] = []  # statuses to answer with before handling
        self.serves_page: int | None = None  # says the page it serves (as servers now do)
        self.page_cap: int | None = None  # cuts pages shorter (as its byte budget would)

    # --- setting up ------------------------------------------------------------------

    def add_facility(self, name: str = "Maple Grove Care Center") -> str:
        facility_id = new_id()
        self.facilities[facility_id] = name
        return facility_id

    def add_user(self, facility_id: str, username: str, role: str = "clerk") -> str:
        user_id = new_id()
        self.users[user_id] = {"id": user_id, "username": username, "role": role,
                               "active": True, "display_name": username.title(),
                               "facility_id": facility_id}
        self._put(RecordKind.USER, user_id, facility_id,
                  new_record({k: v for k, v in self.users[user_id].items()
                              if k != "facility_id"}))
        return user_id

    def issue_code(self, facility_id: str, username: str) -> str:
        code = f"CODE-{len(self.codes) + 1:04d}"
        self.codes[code] = (facility_id, username)
        return code

    def add_bed(self, facility_id: str, unit_name: str, label: str) -> str:
        bed_id = new_id()
        self._put(RecordKind.BED, bed_id, facility_id,
                  new_record({"label": label, "unit_id": "U-" + unit_name,
                              "unit_name": unit_name, "out_of_service": False,
                              "_resident_id": None, "_held": False}))
        return bed_id

    def put(self, kind: RecordKind, record_id: str, facility_id: str,
            data: dict[str, Any]) -> None:
        """A change made elsewhere (another terminal, the central office)."""
        self._put(kind, record_id, facility_id, new_record(data))

    def edit(self, record_id: str, **values: Any) -> None:
        rec = self.records[record_id]
        for name, value in values.items():
            rec.state.data[name] = value
            rec.state.versions[name] = rec.state.version(name) + 1
        self._log(record_id)

    def _put(self, kind: RecordKind, record_id: str, facility_id: str,
             state: RecordState) -> int:
        self.records[record_id] = Rec(kind, facility_id, state)
        return self._log(record_id)

    def _log(self, record_id: str, *, gone_from: str | None = None) -> int:
        self.seq += 1
        rec = self.records[record_id]
        self.log.append((self.seq, gone_from or rec.facility_id, record_id, bool(gone_from)))
        return self.seq

    def snapshot(self, record_id: str) -> Snapshot:
        rec = self.records[record_id]
        return Snapshot(rec.kind, record_id, rec.facility_id, dict(rec.state.data),
                        dict(rec.state.versions), dict(rec.state.conflicts),
                        rec.state.status, self.seq)

    # --- transport ---------------------------------------------------------------------

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:  # noqa: ARG002  Transport's signature
        if self.fail_next:
            return self.fail_next.pop(0), encode({"error": "unavailable", "detail": "test"})
        try:
            envelope = open_envelope(body)
        except SignatureError:
            return 401, encode({"error": "bad_signature", "detail": "signature"})
        except ProtocolError as exc:
            return 400, encode(exc.as_body())
        if path == "/v1/enroll":
            return self._enroll(envelope)
        terminal = self.terminals.get(envelope.sender)
        refused = 401, encode({"error": "bad_signature", "detail": "signature"})
        if terminal is None or terminal.revoked:
            return refused
        try:
            envelope.verify(terminal.public_key)
        except SignatureError:
            return refused
        if envelope.counter <= terminal.last_counter:
            return 409, encode({"error": "replayed_message", "detail": "counter"})
        terminal.last_counter = envelope.counter
        if path == "/v1/push":
            reply_type, answer = "pushed", self._push(terminal, envelope.decoded_body())
        elif path == "/v1/pull":
            served = self.serves_page or MAX_PULL_PAGE
            if envelope.decoded_body().get("limit", 0) > served:  # as an older server refuses
                return 400, encode({"error": "invalid_message",
                                    "detail": f"limit must be a whole number from 1 to {served}"})
            reply_type, answer = "pulled", self._pull(terminal, envelope.decoded_body())
        else:
            return 404, encode({"error": "not_found", "detail": path})
        reply = seal(self.key, reply_type, "server", next(self.counter), answer,
                     reply_to=envelope.digest, ts=SERVER_TIME)
        return 200, reply.to_bytes()

    def _enroll(self, envelope: Any) -> tuple[int, bytes]:
        request = EnrollRequest.from_wire(envelope.decoded_body())
        check_possession(request.public_key, request.code, request.proof)
        envelope.verify(request.public_key)
        bound = self.codes.pop(request.code, None)
        if bound is None:
            return 410, encode({"error": "enrollment_code_invalid", "detail": "code"})
        facility_id, _username = bound
        user = next(u for u in self.users.values() if u["username"] == request.username
                    and u["facility_id"] == facility_id)
        terminal_id = new_id()
        self.terminals[terminal_id] = Terminal(terminal_id, facility_id, request.public_key)
        answer = EnrollResponse(terminal_id, facility_id, self.facilities[facility_id],
                                public_bytes(self.key), user["id"], user["username"],
                                user["role"], self._pool(), SERVER_TIME)
        reply = seal(self.key, "enrolled", "server", next(self.counter), answer.to_wire(),
                     reply_to=envelope.digest, ts=SERVER_TIME)
        return 200, reply.to_bytes()

    def _pool(self, size: int = 200) -> MrnPool:
        pool = MrnPool("MG", self.next_mrn, self.next_mrn + size)
        self.next_mrn += size
        return pool

    # --- push ----------------------------------------------------------------------------

    def _push(self, terminal: Terminal, body: Any) -> dict[str, Any]:
        request = PushRequest.from_wire(body)
        self.handled_pushes += 1
        results = []
        if self.upgrade_required:
            return PushResponse([], terminal.last_seq + 1, SERVER_TIME, True).to_wire()
        for op in request.ops:
            digest = hashlib.sha256(canonical(op.to_wire())).digest()
            if op.seq <= terminal.last_seq:
                stored_digest, stored = terminal.results[op.seq]
                if stored_digest != digest:
                    stored = OpResult(op.seq, op.op_id, OpStatus.REJECTED, Reason.SEQ_MISMATCH,
                                      REASON_TEXT[Reason.SEQ_MISMATCH])
                results.append(stored)
                continue
            if op.seq != terminal.last_seq + 1:
                break
            result = self._apply(terminal, op)
            terminal.results[op.seq] = (digest, result)
            terminal.last_seq = op.seq
            results.append(result)
        return PushResponse(results, terminal.last_seq + 1, SERVER_TIME).to_wire()

    def _apply(self, terminal: Terminal, op: Any) -> OpResult:
        def done(status: OpStatus, reason: str | None = None, sseq: int | None = None
                 ) -> OpResult:
            return OpResult(op.seq, op.op_id, status, reason,
                            REASON_TEXT.get(reason) if reason else None, sseq)

        user = self.users.get(op.user_id)
        if user is None or not user["active"]:
            return done(OpStatus.HELD, Reason.USER_INACTIVE)
        try:
            p = check_payload(op.op_type, op.payload)
        except (ValidationError, SchemaError):
            return done(OpStatus.REJECTED, Reason.INVALID)
        fac = terminal.facility_id
        author = Author(op.op_id, op.user_id, terminal.terminal_id, op.recorded_at)
        if op.op_type is OpType.CREATE:
            if p["id"] in self.records:
                return done(OpStatus.REJECTED, Reason.ALREADY_EXISTS)
            data = dict(p["fields"])
            if p["kind"] == RecordKind.RESIDENT:
                data["_census"] = "pre_admission"
            if p["kind"] == RecordKind.NOTE:
                data["_author"] = op.user_id
            owner = self.records.get(str(data.get("resident_id")))
            if owner is not None:  # clinical facts follow the resident (scenario 14)
                fac = owner.facility_id
            return done(OpStatus.APPLIED, None, self._put(p["kind"], p["id"], fac,
                                                          new_record(data)))
        if op.op_type is OpType.UPDATE:
            rec = self.records.get(p["id"])
            if rec is None:
                return done(OpStatus.REJECTED, Reason.NOT_FOUND)
            outcome = apply_update(p["kind"], rec.state, p["changes"], author)
            rec.state = outcome.state
            return done(outcome.status, outcome.reason, self._log(p["id"]))
        if op.op_type is OpType.RESOLVE:
            rec = self.records[p["id"]]
            outcome = merge_resolve(rec.state, p["field"], p["value"])
            if outcome.status is OpStatus.REJECTED:
                return done(outcome.status, outcome.reason)
            rec.state = outcome.state
            return done(OpStatus.APPLIED, None, self._log(p["id"]))
        if op.op_type is OpType.VOID:
            rec = self.records[p["id"]]
            rec.state = merge_void(rec.state)
            return done(OpStatus.APPLIED, None, self._log(p["id"]))
        if op.op_type is OpType.MERGE:
            rec = self.records[p["duplicate_id"]]
            rec.state.status = REPLACED
            rec.state.data["_replaced_by"] = p["survivor_id"]
            return done(OpStatus.APPLIED, None, self._log(p["duplicate_id"]))
        return self._command(p["name"], p["args"], fac, done)

    def _command(self, name: str, args: dict[str, Any], fac: str, done: Any) -> OpResult:
        stay_id = args["stay_id"]
        if name == "admit":
            resident = self.records.get(args["resident_id"])
            if resident is None:
                return done(OpStatus.REJECTED, Reason.NOT_FOUND)
            if resident.state.data.get("_stay_id"):
                return done(OpStatus.REJECTED, Reason.ALREADY_ADMITTED)
            bed_id = args.get("bed_id")
            if bed_id and self.records[bed_id].state.data.get("_resident_id"):
                bed_id = None
                census = "awaiting_bed"
            else:
                census = "in_house" if bed_id else "awaiting_bed"
            self._put(RecordKind.STAY, stay_id, fac, new_record(
                {"resident_id": args["resident_id"], "admitted_at": args["admitted_at"],
                 "bed_id": bed_id, "status": "active", "admission_type":
                 args.get("admission_type", "new"), "payer": args.get("payer")}))
            self._occupy(args["resident_id"], stay_id, bed_id, census, args["admitted_at"])
            if args.get("bed_id") and not bed_id:
                return done(OpStatus.REJECTED, Reason.BED_OCCUPIED)
            return done(OpStatus.APPLIED, None, self.seq)
        stay = self.records.get(stay_id)
        if stay is None:
            return done(OpStatus.REJECTED, Reason.NOT_FOUND)
        resident_id = stay.state.data["resident_id"]
        if name == "discharge":
            self._free(stay.state.data.get("bed_id"))
            stay.state.data.update(status="discharged", discharged_at=args["discharged_at"],
                                   disposition=args.get("disposition"))
            self._log(stay_id)
            rdata = self.records[resident_id].state.data
            rdata.update(_census="discharged", _stay_id=None, _bed_id=None, _bed_label=None,
                         _unit_name=None)
            return done(OpStatus.APPLIED, None, self._log(resident_id))
        if name == "assign_bed":
            bed = self.records[args["bed_id"]]
            if bed.state.data.get("_resident_id"):
                return done(OpStatus.REJECTED, Reason.BED_OCCUPIED)
            stay.state.data["bed_id"] = args["bed_id"]
            self._log(stay_id)
            self._occupy(resident_id, stay_id, args["bed_id"], "in_house",
                         stay.state.data["admitted_at"])
            return done(OpStatus.APPLIED, None, self.seq)
        if name == "transfer":
            self._free(stay.state.data.get("bed_id"))
            stay.state.data.update(status="transferred")
            for record_id, rec in self.records.items():
                if record_id == resident_id or rec.state.data.get("resident_id") == resident_id:
                    rec.facility_id = args["to_facility_id"]
                    self._log(record_id, gone_from=fac)
            return done(OpStatus.APPLIED, None, self.seq)
        return done(OpStatus.REJECTED, Reason.INVALID)

    def _occupy(self, resident_id: str, stay_id: str, bed_id: str | None, census: str,
                admitted_at: str) -> None:
        bed = self.records[bed_id].state.data if bed_id else {}
        if bed_id:
            bed["_resident_id"] = resident_id
            self._log(bed_id)
        self.records[resident_id].state.data.update(
            _census=census, _stay_id=stay_id, _bed_id=bed_id, _bed_label=bed.get("label"),
            _unit_name=bed.get("unit_name"), _admitted_at=admitted_at)
        self._log(resident_id)

    def _free(self, bed_id: str | None) -> None:
        if bed_id:
            self.records[bed_id].state.data["_resident_id"] = None
            self._log(bed_id)

    # --- pull ----------------------------------------------------------------------------

    def _pull(self, terminal: Terminal, body: Any) -> dict[str, Any]:
        request = PullRequest.from_wire(body)
        entries = [e for e in self.log if e[0] > request.cursor and e[1] == terminal.facility_id]
        page = entries[:min(request.limit, self.page_cap or request.limit)]
        changes = []
        for seq, _fac, record_id, gone in page:
            rec = self.records[record_id]
            changes.append(Snapshot(rec.kind, record_id, terminal.facility_id,
                                    dict(rec.state.data), dict(rec.state.versions),
                                    dict(rec.state.conflicts), rec.state.status, seq,
                                    gone=gone))
        more = len(entries) > len(page)
        cursor = page[-1][0] if more else max(request.cursor, self.seq)
        results = [terminal.results[s][1] for s in request.held if s in terminal.results]
        return PullResponse(changes, cursor, more, SERVER_TIME, results,
                            self._pool() if request.want_mrns else None,
                            page=self.serves_page).to_wire()


def decode_reply(body: bytes) -> Any:
    return decode(body)


ACTIVE_STATUS = ACTIVE
