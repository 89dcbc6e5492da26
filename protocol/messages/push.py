"""``push`` and ``pushed``: a terminal's operations and the server's results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from ..codec import encode, encode_with_encoded_list
from ..errors import SchemaError
from ..ids import is_id
from ..ops import SCHEMA_VERSION, Operation, OpResult, OpType
from ..schema import (
    as_map,
    only_keys,
    opt_text,
    req_bool,
    req_int,
    req_list,
    req_map,
    req_text,
)
from .common import (
    MAX_OPS_PER_PUSH,
    OP_TYPES,
    PROTOCOL_VERSION,
    Versions,
    _epoch,
    _proto,
)

_OPERATION_KEYS = frozenset({"id", "seq", "type", "fac", "user", "at", "schema", "p"})
_OP_TYPE = {str(t): t for t in OpType}
"""Each operation type by its wire name (a dict look-up; the enum's call costs more)."""


def operation_from_wire(raw_value: Any) -> Operation:
    """Envelope fields of one operation; the payload is checked later, per
    operation, so one bad operation is rejected without failing the batch.
    """
    raw = as_map(raw_value, "operation")
    if not _OPERATION_KEYS.issuperset(raw):
        only_keys(raw, _OPERATION_KEYS, "operation")
    op_id = raw.get("id")
    if not is_id(op_id):
        raise SchemaError("operation id must be an id")
    op_type = raw.get("type")
    if not isinstance(op_type, str) or op_type not in OP_TYPES:
        raise SchemaError("operation type is not known")
    return Operation(
        op_id=str(op_id), seq=req_int(raw, "seq", 1), op_type=_OP_TYPE[op_type],
        facility_id=req_text(raw, "fac", 64), user_id=req_text(raw, "user", 64),
        recorded_at=req_int(raw, "at"), payload=req_map(raw, "p"),
        schema=req_int(raw, "schema", 0, 10_000),
    )




_P = encode("p")


def encoded_operation(op_id: str, seq: int, op_type: str, facility_id: str, user_id: str,
                      recorded_at: int, schema: int, payload: bytes) -> bytes:
    """``encode(operation.to_wire())`` with the payload given as its msgpack
    bytes: the seven other fields are encoded as one map and the payload
    appended as its eighth entry (a map of at most 15 entries has a one-byte
    header, ``0x80`` + its size)."""
    head = encode({"id": op_id, "seq": seq, "type": op_type, "fac": facility_id,
                   "user": user_id, "at": recorded_at, "schema": schema})
    return b"".join((b"\x88", head[1:], _P, payload))


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
        return {"ops": [op.to_wire() for op in self.ops], **self._wire_besides_ops()}

    def _wire_besides_ops(self) -> dict[str, Any]:
        return {"schema": self.schema, "proto": self.protocol, "epoch": self.epoch,
                "resume": self.resume, "gen": self.generation}

    def encoded_with(self, ops: Sequence[bytes]) -> bytes:
        """``encode(self.to_wire())`` for operations already encoded
        (:func:`encoded_operation`; ``self.ops`` is not used): a terminal sends
        the payloads as its outbox stores them, without decoding them into
        operations and encoding them again."""
        return encode_with_encoded_list(self._wire_besides_ops(), "ops", ops)

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
                   generation=opt_text(raw, "gen", 64))


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
