"""Chartkeep's shared contract between terminal and server.

Record kinds and merge classes (:mod:`protocol.records`), operations and
results (:mod:`protocol.ops`), merge rules (:mod:`protocol.merge`), hybrid
clock (:mod:`protocol.hlc`), the bounded msgpack codec (:mod:`protocol.codec`),
typed sync messages (:mod:`protocol.messages`) and Ed25519 message signing
(:mod:`protocol.signing`). No framework imports and no I/O live here.
"""

from .errors import (
    ClockDriftError,
    CodecError,
    MessageTooLarge,
    ProtocolError,
    SchemaError,
    SignatureError,
    ValidationError,
)
from .ids import new_id
from .ops import (
    REASON_TEXT,
    SCHEMA_VERSION,
    CommandName,
    FieldChange,
    Operation,
    OpResult,
    OpStatus,
    OpType,
    Reason,
)
from .records import MergeClass, RecordKind, Role

__all__ = [
    "REASON_TEXT", "SCHEMA_VERSION", "ClockDriftError", "CodecError", "CommandName",
    "FieldChange", "MergeClass", "MessageTooLarge", "OpResult", "OpStatus", "OpType",
    "Operation", "ProtocolError", "Reason", "RecordKind", "Role", "SchemaError",
    "SignatureError", "ValidationError", "new_id",
]
