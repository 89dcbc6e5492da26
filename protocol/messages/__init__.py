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

from .common import (
    MAX_OPS_PER_PUSH,
    MAX_PULL_PAGE,
    MIN_PROTOCOL_VERSION,
    OP_TYPES,
    PROTOCOL_VERSION,
    RECORD_KINDS,
    SERVED_PULL_PAGE,
    Versions,
    error_from_wire,
)
from .enrollment import EnrollRequest, EnrollResponse, ReregisterRequest, TerminalCertificate
from .pull import (
    EncodedSnapshots,
    LogPosition,
    MrnPool,
    PullRequest,
    PullResponse,
    Snapshot,
    change_mark,
    served_snapshot,
    stored_snapshot,
)
from .push import PushRequest, PushResponse, encoded_operation, operation_from_wire

__all__ = [
    "MAX_OPS_PER_PUSH", "MAX_PULL_PAGE", "MIN_PROTOCOL_VERSION", "OP_TYPES", "PROTOCOL_VERSION",
    "RECORD_KINDS", "SERVED_PULL_PAGE", "EncodedSnapshots", "EnrollRequest", "EnrollResponse",
    "LogPosition", "MrnPool", "PullRequest", "PullResponse", "PushRequest", "PushResponse",
    "ReregisterRequest", "Snapshot", "TerminalCertificate", "Versions", "change_mark",
    "encoded_operation", "error_from_wire",
    "operation_from_wire", "served_snapshot", "stored_snapshot",
]
