"""Typed sync messages and their strict decoding.

Message types (envelope ``type``) and bodies:

=============  ==============================================================
``enroll``     terminal → server: one-time code, terminal name, public key,
               proof of possession, first user's name
``enrolled``   server → terminal: terminal id, facility, server public key,
               the user, first record-number pool
``push``       terminal → server: operations in sequence order, the terminal's
               protocol (``proto``) and schema versions
``pushed``     server → terminal: one result per operation it handled, the
               server's ``proto`` and ``schema``; ``upgrade`` (terminal too old)
               or ``too_old`` (server too old): nothing handled, nothing dropped
``pull``       terminal → server: cursor, page size, sequence numbers of held
               operations to re-check, whether it needs record numbers, the
               top of the record numbers it holds (``mrn_top``)
``pulled``     server → terminal: a page of record snapshots and the new cursor,
               the server's versions and where its log stands (``log``:
               generation, head, the operation number it expects next)
``reregister`` terminal → server: the certificate from ``enrolled``, from a
               terminal the server does not know after a restore
``reregistered`` server → terminal: ``{terminal, time}``
``error``      server → terminal: ``{error, detail}``
=============  ==============================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, overload

from .codec import decode, encode, encode_with_encoded_list
from .errors import SchemaError
from .ids import is_id
from .merkle import Checkpoint, ProofError
from .ops import SCHEMA_VERSION, Operation, OpResult, OpType
from .records import RecordKind
from .schema import (
    as_map,
    int_list,
    only_keys,
    opt_str,
    req_bool,
    req_bytes,
    req_int,
    req_list,
    req_map,
    req_str,
)

MAX_OPS_PER_PUSH = 1000
PROTOCOL_VERSION = 2
"""The sync protocol this code speaks. 2: requests say their protocol version,
answers carry the server's protocol and schema versions, ``pushed`` can say
the server is too old for the terminal's changes."""
MIN_PROTOCOL_VERSION = 1
"""The oldest terminal protocol a server of this version still serves (a
request without ``proto`` is version 1)."""
OP_TYPES = frozenset(str(t) for t in OpType)
RECORD_KINDS = frozenset(str(k) for k in RecordKind)
MAX_PULL_PAGE = 5000


def operation_from_wire(raw_value: Any) -> Operation:
    """Envelope fields of one operation; the payload is checked later, per
    operation, so one bad operation is rejected without failing the batch.
    """
    raw = as_map(raw_value, "operation")
    only_keys(raw, {"id", "seq", "type", "fac", "user", "at", "schema", "p"}, "operation")
    op_id = raw.get("id")
    if not is_id(op_id):
        raise SchemaError("operation id must be an id")
    op_type = raw.get("type")
    if not isinstance(op_type, str) or op_type not in OP_TYPES:
        raise SchemaError("operation type is not known")
    return Operation(
        op_id=str(op_id), seq=req_int(raw, "seq", 1), op_type=OpType(op_type),
        facility_id=req_str(raw, "fac", 64), user_id=req_str(raw, "user", 64),
        recorded_at=req_int(raw, "at"), payload=req_map(raw, "p"),
        schema=req_int(raw, "schema", 0, 10_000),
    )


def _epoch(raw: Mapping[str, Any]) -> int:
    return req_int(raw, "epoch", 0, 1_000_000) if "epoch" in raw else 0


def _proto(raw: Mapping[str, Any]) -> int:
    """A request's protocol version; terminals before version 2 did not say."""
    return req_int(raw, "proto", 1, 10_000) if "proto" in raw else 1


@dataclass(frozen=True)
class Versions:
    """What a server answer says about the server: its protocol and schema."""

    protocol: int = PROTOCOL_VERSION
    schema: int = SCHEMA_VERSION

    def to_wire(self) -> dict[str, Any]:
        return {"proto": self.protocol, "schema": self.schema}

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> Versions:
        """Absent in a version-1 answer: that server spoke protocol 1, schema 1."""
        if "proto" not in raw:
            return cls(1, 1)
        return cls(req_int(raw, "proto", 1, 10_000), req_int(raw, "schema", 0, 10_000))


@dataclass(frozen=True)
class PushRequest:
    ops: list[Operation]
    schema: int = SCHEMA_VERSION
    protocol: int = PROTOCOL_VERSION
    epoch: int = 0
    """The terminal's numbering epoch: raised when a copy of it restored from
    an older backup renumbers its new changes (:mod:`client.sync.terminal_restore`)."""
    resume: bool = False
    """The operations before the first were forgotten by the terminal (older
    than its retention window) after the server lost them: continue from here."""
    generation: str | None = None
    """The log generation the terminal last saw."""

    def to_wire(self) -> dict[str, Any]:
        return {"ops": [op.to_wire() for op in self.ops], "schema": self.schema,
                "proto": self.protocol, "epoch": self.epoch, "resume": self.resume,
                "gen": self.generation}

    @classmethod
    def from_wire(cls, value: Any) -> PushRequest:
        raw = as_map(value, "push")
        only_keys(raw, {"ops", "schema", "proto", "epoch", "resume", "gen"}, "push")
        ops = [operation_from_wire(item) for item in req_list(raw, "ops", MAX_OPS_PER_PUSH)]
        for before, after in pairwise(ops):
            if after.seq != before.seq + 1:
                raise SchemaError("operations must be in consecutive sequence order")
        return cls(ops=ops, schema=req_int(raw, "schema", 0, 10_000), protocol=_proto(raw),
                   epoch=_epoch(raw), resume="resume" in raw and req_bool(raw, "resume"),
                   generation=opt_str(raw, "gen", 64))


@dataclass(frozen=True)
class PushResponse:
    results: list[OpResult]
    next_seq: int
    """The sequence number the server expects next from this terminal."""
    server_time: int
    upgrade_required: bool = False
    """The terminal is too old for this server: nothing was handled."""
    server_too_old: bool = False
    """The terminal's changes need a newer server: nothing was handled."""
    versions: Versions = field(default_factory=Versions)
    behind: bool = False
    """The server handled other operations under these numbers: the terminal
    was restored from an older copy (or cloned). Nothing was handled; the
    terminal renumbers its new changes from ``next_seq`` in a new epoch."""

    def to_wire(self) -> dict[str, Any]:
        return {"results": [r.to_wire() for r in self.results], "next": self.next_seq,
                "time": self.server_time, "upgrade": self.upgrade_required,
                "too_old": self.server_too_old, "behind": self.behind,
                **self.versions.to_wire()}

    @classmethod
    def from_wire(cls, value: Any) -> PushResponse:
        raw = as_map(value, "pushed")
        return cls(
            results=[OpResult.from_wire(as_map(r, "result"))
                     for r in req_list(raw, "results", MAX_OPS_PER_PUSH)],
            next_seq=req_int(raw, "next", 1), server_time=req_int(raw, "time"),
            upgrade_required=req_bool(raw, "upgrade"),
            server_too_old="too_old" in raw and req_bool(raw, "too_old"),
            versions=Versions.from_wire(raw),
            behind="behind" in raw and req_bool(raw, "behind"),
        )


@dataclass(frozen=True)
class PullRequest:
    cursor: int
    limit: int = 1000
    held: list[int] = field(default_factory=list)
    want_mrns: bool = False
    protocol: int = PROTOCOL_VERSION
    mrn_top: int = 0
    """One past the highest record number this terminal holds or has used: a
    server restored from a backup issues no pool below it."""
    generation: str | None = None
    """The log generation this terminal last saw (None before its first pull)."""
    epoch: int = 0
    audit_size: int = 0
    """The size of the facility's audit checkpoint this terminal holds (0: none):
    the answer proves that the log today extends it."""

    def to_wire(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "limit": self.limit, "held": self.held,
                "mrns": self.want_mrns, "proto": self.protocol, "mrn_top": self.mrn_top,
                "gen": self.generation, "epoch": self.epoch, "audit": self.audit_size}

    @classmethod
    def from_wire(cls, value: Any) -> PullRequest:
        raw = as_map(value, "pull")
        only_keys(raw, {"cursor", "limit", "held", "mrns", "proto", "mrn_top", "gen", "epoch",
                        "audit"},
                  "pull")
        return cls(cursor=req_int(raw, "cursor"), limit=req_int(raw, "limit", 1, MAX_PULL_PAGE),
                   held=int_list(raw, "held", 1000), want_mrns=req_bool(raw, "mrns"),
                   protocol=_proto(raw),
                   mrn_top=req_int(raw, "mrn_top") if "mrn_top" in raw else 0,
                   generation=opt_str(raw, "gen", 64), epoch=_epoch(raw),
                   audit_size=req_int(raw, "audit") if "audit" in raw else 0)


@dataclass(frozen=True)
class Snapshot:
    """The whole current state of one record as the server holds it."""

    kind: RecordKind
    record_id: str
    facility_id: str
    data: Mapping[str, Any]
    versions: Mapping[str, int]
    conflicts: Mapping[str, Any]
    status: str
    seq: int
    gone: bool = False
    """True when the record left this facility's scope (e.g. a transfer)."""

    def to_wire(self) -> dict[str, Any]:
        return {"k": str(self.kind), "id": self.record_id, "f": self.facility_id,
                "d": dict(self.data), "v": dict(self.versions), "c": dict(self.conflicts),
                "s": self.status, "seq": self.seq, "gone": self.gone}

    @classmethod
    def from_wire(cls, value: Any) -> Snapshot:
        raw = as_map(value, "snapshot")
        kind = raw.get("k")
        if not isinstance(kind, str) or kind not in RECORD_KINDS:
            raise SchemaError("snapshot kind is not known")
        return cls(kind=RecordKind(kind), record_id=req_str(raw, "id", 64),
                   facility_id=req_str(raw, "f", 64), data=req_map(raw, "d"),
                   versions=req_map(raw, "v"), conflicts=req_map(raw, "c"),
                   status=req_str(raw, "s", 32), seq=req_int(raw, "seq"),
                   gone=req_bool(raw, "gone"))


_STORED_SNAPSHOT_MAP = 0x88
"""The first byte of a stored snapshot: a msgpack map of its 8 wire fields
(every field but ``seq``, which is the change's position in the log)."""
_SEQ_KEY = encode("seq")


def stored_snapshot(kind: str, record_id: str, facility_id: str, data: Mapping[str, Any],
                    versions: Mapping[str, Any], conflicts: Mapping[str, Any], status: str,
                    *, gone: bool) -> bytes:
    """What the server keeps in its change log for one change: the snapshot's
    wire form without ``seq`` (:func:`served_snapshot` adds it when serving)."""
    return encode({"k": kind, "id": record_id, "f": facility_id, "d": data, "v": versions,
                   "c": conflicts, "s": status, "gone": gone})


def served_snapshot(stored: bytes, seq: int) -> bytes:
    """The wire bytes of a snapshot at log position ``seq``, from the bytes the
    server stored for it (its wire form without ``seq``): the ``seq`` field is
    appended to the map without decoding the rest."""
    if stored[:1] == bytes([_STORED_SNAPSHOT_MAP]):
        return bytes([_STORED_SNAPSHOT_MAP + 1]) + stored[1:] + _SEQ_KEY + encode(seq)
    wire = decode(stored)
    wire["seq"] = seq
    return encode(wire)


class EncodedSnapshots(Sequence[Snapshot]):
    """Snapshots held as their wire bytes (:func:`served_snapshot`): a pull
    answer sends them as they are; one is decoded only if read here."""

    def __init__(self, items: list[bytes]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Snapshot: ...

    @overload
    def __getitem__(self, index: slice) -> list[Snapshot]: ...

    def __getitem__(self, index: int | slice) -> Snapshot | list[Snapshot]:
        if isinstance(index, slice):
            return [Snapshot.from_wire(decode(item)) for item in self.items[index]]
        return Snapshot.from_wire(decode(self.items[index]))

    # Read like the list of snapshots it stands for (the server's own tests do).
    def __add__(self, other: Sequence[Snapshot]) -> list[Snapshot]:
        return [*self, *other]

    def __radd__(self, other: Sequence[Snapshot]) -> list[Snapshot]:
        return [*other, *self]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EncodedSnapshots):
            return self.items == other.items
        return isinstance(other, list | tuple) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # compares by content, like a list


@dataclass(frozen=True)
class MrnPool:
    prefix: str
    start: int
    end: int
    """Numbers ``start`` up to but not including ``end`` are this terminal's."""

    def to_wire(self) -> list[Any]:
        return [self.prefix, self.start, self.end]

    @classmethod
    def from_wire(cls, value: Any) -> MrnPool:
        if (not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str)
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])
                or not 0 <= value[1] <= value[2]):
            raise SchemaError("mrn pool must be [prefix, start, end]")
        return cls(value[0], value[1], value[2])

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:06d}"


@dataclass(frozen=True)
class LogPosition:
    """Where the server's log stands, on every pull answer: a terminal that
    sees a new ``generation`` (the server was restored from a backup), a
    ``head`` behind its cursor, or a ``next_seq`` at or below operations the
    server once answered knows the server lost work: it re-sends what the server
    no longer has and pulls everything again."""

    generation: str
    head: int
    """The facility's last change-log position."""
    next_seq: int
    """The operation number the server expects next from this terminal."""

    def to_wire(self) -> dict[str, Any]:
        return {"gen": self.generation, "head": self.head, "next": self.next_seq}

    @classmethod
    def from_wire(cls, value: Any) -> LogPosition:
        raw = as_map(value, "log")
        return cls(req_str(raw, "gen", 64), req_int(raw, "head"), req_int(raw, "next", 1))


@dataclass(frozen=True)
class PullResponse:
    changes: Sequence[Snapshot]
    cursor: int
    more: bool
    server_time: int
    results: list[OpResult] = field(default_factory=list)
    mrn_pool: MrnPool | None = None
    versions: Versions = field(default_factory=Versions)
    log: LogPosition | None = None
    """Where the server's log stands (absent from a version-1 server)."""
    checkpoint: Checkpoint | None = None
    """The facility's latest published audit checkpoint, signed by the server."""
    audit_proof: list[bytes] = field(default_factory=list)
    """The consistency proof from the checkpoint the terminal said it holds."""

    def to_wire(self) -> dict[str, Any]:
        return {"changes": [c.to_wire() for c in self.changes], **self._wire_besides_changes()}

    def to_bytes(self) -> bytes:
        """``encode(self.to_wire())``, but snapshots held as bytes go as they are."""
        if isinstance(self.changes, EncodedSnapshots):
            return encode_with_encoded_list(self._wire_besides_changes(), "changes",
                                            self.changes.items)
        return encode(self.to_wire())

    def _wire_besides_changes(self) -> dict[str, Any]:
        wire = {"cursor": self.cursor, "more": self.more, "time": self.server_time,
                "results": [r.to_wire() for r in self.results],
                "mrns": self.mrn_pool.to_wire() if self.mrn_pool else None,
                **self.versions.to_wire()}
        if self.log is not None:
            wire["log"] = self.log.to_wire()
        if self.checkpoint is not None:
            wire["cp"] = self.checkpoint.to_wire()
            wire["cproof"] = list(self.audit_proof)
        return wire

    @classmethod
    def from_wire(cls, value: Any) -> PullResponse:
        raw = as_map(value, "pulled")
        mrns = raw.get("mrns")
        checkpoint, proof = _checkpoint_from_wire(raw)
        return cls(
            changes=[Snapshot.from_wire(c) for c in req_list(raw, "changes", MAX_PULL_PAGE)],
            cursor=req_int(raw, "cursor"), more=req_bool(raw, "more"),
            server_time=req_int(raw, "time"),
            results=[OpResult.from_wire(as_map(r, "result"))
                     for r in req_list(raw, "results", 1000)],
            mrn_pool=MrnPool.from_wire(mrns) if mrns is not None else None,
            versions=Versions.from_wire(raw),
            log=LogPosition.from_wire(raw["log"]) if raw.get("log") is not None else None,
            checkpoint=checkpoint, audit_proof=proof,
        )


def _checkpoint_from_wire(raw: Mapping[str, Any]) -> tuple[Checkpoint | None, list[bytes]]:
    """A pull answer's audit checkpoint and consistency proof (both optional)."""
    if raw.get("cp") is None:
        return None, []
    try:
        checkpoint = Checkpoint.from_wire(raw["cp"])
    except ProofError:
        raise SchemaError("cp must be an audit checkpoint") from None
    proof = raw.get("cproof") or []
    if not isinstance(proof, list) or len(proof) > 128 or any(
            not isinstance(node, bytes) or len(node) != 32 for node in proof):
        raise SchemaError("cproof must be a list of 32-byte hashes")
    return checkpoint, list(proof)


@dataclass(frozen=True)
class EnrollRequest:
    code: str
    terminal_name: str
    public_key: bytes
    proof: bytes
    username: str

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.terminal_name, "key": self.public_key,
                "proof": self.proof, "user": self.username}

    @classmethod
    def from_wire(cls, value: Any) -> EnrollRequest:
        raw = as_map(value, "enroll")
        only_keys(raw, {"code", "name", "key", "proof", "user"}, "enroll")
        return cls(code=req_str(raw, "code", 64), terminal_name=req_str(raw, "name", 100),
                   public_key=req_bytes(raw, "key", 32), proof=req_bytes(raw, "proof", 64),
                   username=req_str(raw, "user", 100))


@dataclass(frozen=True)
class EnrollResponse:
    terminal_id: str
    facility_id: str
    facility_name: str
    server_public_key: bytes
    user_id: str
    username: str
    role: str
    mrn_pool: MrnPool
    server_time: int
    certificate: bytes = b""
    """A ``terminal_cert`` envelope the server signed: this terminal's id, key
    and facility. With it a terminal enrolled after the server's last backup
    re-registers itself if the server is restored from that backup."""

    def to_wire(self) -> dict[str, Any]:
        return {"terminal": self.terminal_id, "facility": self.facility_id,
                "facility_name": self.facility_name, "server_key": self.server_public_key,
                "user_id": self.user_id, "user": self.username, "role": self.role,
                "mrns": self.mrn_pool.to_wire(), "time": self.server_time,
                "cert": self.certificate}

    @classmethod
    def from_wire(cls, value: Any) -> EnrollResponse:
        raw = as_map(value, "enrolled")
        return cls(terminal_id=req_str(raw, "terminal", 64),
                   facility_id=req_str(raw, "facility", 64),
                   facility_name=req_str(raw, "facility_name", 200),
                   server_public_key=req_bytes(raw, "server_key", 32),
                   user_id=req_str(raw, "user_id", 64), username=req_str(raw, "user", 100),
                   role=req_str(raw, "role", 32), mrn_pool=MrnPool.from_wire(raw.get("mrns")),
                   server_time=req_int(raw, "time"),
                   certificate=req_bytes(raw, "cert", max_len=4096) if "cert" in raw else b"")


@dataclass(frozen=True)
class ReregisterRequest:
    """A terminal the server does not know (restored from a backup older than
    its enrollment) presents the certificate the server gave it at enrollment;
    the envelope is signed by the key the certificate names."""

    certificate: bytes
    generation: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"cert": self.certificate, "gen": self.generation}

    @classmethod
    def from_wire(cls, value: Any) -> ReregisterRequest:
        raw = as_map(value, "reregister")
        only_keys(raw, {"cert", "gen"}, "reregister")
        return cls(req_bytes(raw, "cert", max_len=4096), opt_str(raw, "gen", 64))


@dataclass(frozen=True)
class TerminalCertificate:
    """The body of a ``terminal_cert`` envelope."""

    terminal_id: str
    facility_id: str
    public_key: bytes
    enrolled_by: str
    enrolled_at: int
    name: str

    def to_wire(self) -> dict[str, Any]:
        return {"terminal": self.terminal_id, "facility": self.facility_id,
                "key": self.public_key, "by": self.enrolled_by, "at": self.enrolled_at,
                "name": self.name}

    @classmethod
    def from_wire(cls, value: Any) -> TerminalCertificate:
        raw = as_map(value, "terminal_cert")
        return cls(req_str(raw, "terminal", 64), req_str(raw, "facility", 64),
                   req_bytes(raw, "key", 32), req_str(raw, "by", 64), req_int(raw, "at"),
                   req_str(raw, "name", 100))


def error_from_wire(value: Any) -> tuple[str, str]:
    raw = as_map(value, "error")
    return req_str(raw, "error", 64), opt_str(raw, "detail") or ""


__all__ = [
    "MAX_OPS_PER_PUSH", "MAX_PULL_PAGE", "MIN_PROTOCOL_VERSION", "PROTOCOL_VERSION",
    "EncodedSnapshots", "EnrollRequest", "EnrollResponse", "LogPosition", "MrnPool",
    "PullRequest", "PullResponse",
    "PushRequest", "PushResponse", "ReregisterRequest", "Snapshot", "TerminalCertificate",
    "Versions", "error_from_wire",
    "operation_from_wire", "served_snapshot", "stored_snapshot",
]
