"""``pull`` and ``pulled``: a page of record snapshots (sent as the server stored
them), record-number pools and where the server's log stands."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from ..codec import decode, encode, encode_with_encoded_list
from ..errors import SchemaError
from ..merkle import Checkpoint, ProofError
from ..ops import OpResult
from ..records import RecordKind
from ..schema import (
    as_map,
    int_list,
    only_keys,
    opt_str,
    opt_text,
    req_bool,
    req_int,
    req_list,
    req_map,
    req_str,
)
from .common import (
    MAX_PULL_PAGE,
    PROTOCOL_VERSION,
    RECORD_KINDS,
    SERVED_PULL_PAGE,
    Versions,
    _epoch,
    _proto,
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
    answered: int = 0
    """The highest operation number this terminal holds the server's answer to
    (0: none): a server whose last handled number is below it came back from a
    backup."""

    def to_wire(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "limit": self.limit, "held": self.held,
                "mrns": self.want_mrns, "proto": self.protocol, "mrn_top": self.mrn_top,
                "gen": self.generation, "epoch": self.epoch, "audit": self.audit_size,
                "answered": self.answered}

    @classmethod
    def from_wire(cls, value: Any) -> PullRequest:
        raw = as_map(value, "pull")
        only_keys(raw, {"cursor", "limit", "held", "mrns", "proto", "mrn_top", "gen", "epoch",
                        "audit", "answered"},
                  "pull")
        return cls(cursor=req_int(raw, "cursor"), limit=req_int(raw, "limit", 1, SERVED_PULL_PAGE),
                   held=int_list(raw, "held", 1000), want_mrns=req_bool(raw, "mrns"),
                   protocol=_proto(raw),
                   mrn_top=req_int(raw, "mrn_top") if "mrn_top" in raw else 0,
                   generation=opt_text(raw, "gen", 64), epoch=_epoch(raw),
                   audit_size=req_int(raw, "audit") if "audit" in raw else 0,
                   answered=req_int(raw, "answered") if "answered" in raw else 0)


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
        if type(value) is dict:
            # A pulled page checks thousands: the common case (every field of
            # its exact type and in range) in one expression, without the
            # accessors' calls (the same limits); anything else is checked, and
            # refused, below.
            kind, rid, fac, data, versions, conflicts, status, seq, gone = map(
                value.get, _SNAPSHOT_KEYS)
            if (type(kind) is str and kind in RECORD_KINDS
                    and type(rid) is str and 0 < len(rid) <= 64
                    and type(fac) is str and 0 < len(fac) <= 64
                    and type(data) is dict and type(versions) is dict
                    and type(conflicts) is dict
                    and type(status) is str and 0 < len(status) <= 32
                    and type(seq) is int and 0 <= seq <= _MAX_INT and type(gone) is bool):
                # What ``cls(...)`` makes, without a frozen dataclass's
                # __init__ (nine ``object.__setattr__`` calls: half of this
                # check): the same fields, in a dict of the instance's own.
                snap = _new(cls)
                _set(snap, "__dict__", {
                    "kind": _KIND_BY_NAME[kind], "record_id": rid, "facility_id": fac,
                    "data": data, "versions": versions, "conflicts": conflicts,
                    "status": status, "seq": seq, "gone": gone})
                return snap
        raw = as_map(value, "snapshot")
        kind = raw.get("k")
        if not isinstance(kind, str) or kind not in RECORD_KINDS:
            raise SchemaError("snapshot kind is not known")
        return cls(kind=_KIND_BY_NAME[kind], record_id=req_str(raw, "id", 64),
                   facility_id=req_str(raw, "f", 64), data=req_map(raw, "d"),
                   versions=req_map(raw, "v"), conflicts=req_map(raw, "c"),
                   status=req_str(raw, "s", 32), seq=req_int(raw, "seq"),
                   gone=req_bool(raw, "gone"))


def change_mark(snapshot: Snapshot) -> str:
    """Which change a snapshot is, whatever its log position: a hash of every
    field but ``seq``, the same from the server's stored form and the terminal's
    decoded one. A restored server that gave a lost change's position to a new
    change names a different mark there (:class:`LogPosition` ``at``)."""
    wire = snapshot.to_wire()
    del wire["seq"]
    return hashlib.sha256(encode(wire)).hexdigest()[:32]


_KIND_BY_NAME = {str(kind): kind for kind in RecordKind}
_SNAPSHOT_KEYS = ("k", "id", "f", "d", "v", "c", "s", "seq", "gone")
_MAX_INT = 2**63 - 1
_new = object.__new__
_set = object.__setattr__
""":func:`~protocol.schema.req_int`'s default bound."""
"""A kind by its wire name, without the enum's call (a page is thousands of snapshots)."""

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
    at: str | None = None
    """The :func:`change_mark` of the change at the request's cursor (None: the
    cursor is 0, the server keeps no change there, or it is older than marks).
    A terminal that applied a different change there knows the server lost the
    one it pulled, even when the head has reached its cursor again. Terminals
    before marks ignore it."""

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"gen": self.generation, "head": self.head,
                                "next": self.next_seq}
        if self.at is not None:
            wire["at"] = self.at
        return wire

    @classmethod
    def from_wire(cls, value: Any) -> LogPosition:
        raw = as_map(value, "log")
        return cls(req_str(raw, "gen", 64), req_int(raw, "head"), req_int(raw, "next", 1),
                   opt_str(raw, "at", 64))


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
    page: int | None = None
    """The most changes this server serves in one page (absent from a server
    before :data:`SERVED_PULL_PAGE`: it serves :data:`MAX_PULL_PAGE`). Older
    terminals ignore it; a newer one asks for more only once it has read it."""

    @property
    def page_served(self) -> int:
        """The largest ``limit`` this server accepts."""
        return MAX_PULL_PAGE if self.page is None else self.page

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
        if self.page is not None:
            wire["page"] = self.page
        return wire

    @classmethod
    def from_wire(cls, value: Any) -> PullResponse:
        raw = as_map(value, "pulled")
        mrns = raw.get("mrns")
        checkpoint, proof = _checkpoint_from_wire(raw)
        return cls(
            changes=[Snapshot.from_wire(c) for c in req_list(raw, "changes", SERVED_PULL_PAGE)],
            cursor=req_int(raw, "cursor"), more=req_bool(raw, "more"),
            server_time=req_int(raw, "time"),
            results=[OpResult.from_wire(as_map(r, "result"))
                     for r in req_list(raw, "results", 1000)],
            mrn_pool=MrnPool.from_wire(mrns) if mrns is not None else None,
            versions=Versions.from_wire(raw),
            log=LogPosition.from_wire(raw["log"]) if raw.get("log") is not None else None,
            checkpoint=checkpoint, audit_proof=proof,
            # a later server may serve more: this terminal asks for what it knows
            page=min(req_int(raw, "page", 1), SERVED_PULL_PAGE) if raw.get("page") is not None
            else None,
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
