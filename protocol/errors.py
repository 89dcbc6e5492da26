"""Errors raised by the protocol layer.

Every error carries a stable machine-readable ``code`` that the server puts in
its ``{"error": code, "detail": text}`` bodies and the terminal shows to clerks.

    ProtocolError
    ├── CodecError          bytes that are not a well-formed, bounded message
    │   └── MessageTooLarge
    ├── SchemaError         well-formed msgpack that does not match the schema
    ├── SignatureError      bad, missing or foreign signature (one code for all)
    ├── ValidationError     a record field that breaks a rule (names the field)
    ├── Refused             an operation the records' current state does not allow
    └── ClockDriftError     a remote clock too far ahead to trust
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Root of every error raised by :mod:`protocol`."""

    code: str = "protocol_error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code

    def as_body(self) -> dict[str, str]:
        return {"error": self.code, "detail": self.detail}


class CodecError(ProtocolError):
    code = "malformed_message"


class MessageTooLarge(CodecError):
    code = "message_too_large"


class SchemaError(ProtocolError):
    code = "invalid_message"


class SignatureError(ProtocolError):
    """Deliberately uninformative: missing, malformed, foreign-algorithm and
    wrong signatures, and unknown signers, all look the same to the sender.
    """

    code = "bad_signature"

    def __init__(self, detail: str = "the message signature could not be verified") -> None:
        super().__init__(detail)


class ValidationError(ProtocolError):
    code = "invalid"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.reason = detail


class ClockDriftError(ProtocolError):
    code = "clock_drift"


class Refused(ProtocolError):
    """An operation the current state of the records does not allow (a
    discharge of a resident who is not admitted, a return of one who is not on
    leave). ``code`` is the :class:`protocol.reasons.Reason` the server answers
    with; ``detail`` says why in words."""

    code = "refused"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason, code=str(reason))
        self.reason = str(reason)
