"""Errors raised by the server's core, translated to HTTP only at the edge.

    ServerError                    root of everything the server raises on purpose
    ├── EnrollmentCodeInvalid      410: unknown, used, expired or foreign code
    ├── ReplayedMessage            409: message counter not above the last one seen
    ├── TerminalTooOld             426: the terminal speaks a protocol this server dropped
    ├── TerminalQuarantined        403: two machines use one terminal identity
    ├── NotPermitted               403: a known sender asking for something it may not
    └── AdminError                 an administrative command that cannot be done
        └── NotFound               the named facility, user, terminal… does not exist

Protocol errors (:mod:`protocol.errors`: codec, schema, signature) pass through
unchanged; the error middleware in :mod:`server.http.middleware` maps both families.
"""

from __future__ import annotations


class ServerError(Exception):
    """Root of the server's own errors; ``code`` is stable and machine-readable."""

    code = "server_error"
    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class EnrollmentCodeInvalid(ServerError):
    code = "enrollment_code_invalid"
    status = 410

    def __init__(self, detail: str = "the enrollment code is not valid; ask for a new one") -> None:
        super().__init__(detail)


class ReplayedMessage(ServerError):
    code = "replayed_message"
    status = 409

    def __init__(self, detail: str = "this message was already received") -> None:
        super().__init__(detail)


class TerminalTooOld(ServerError):
    code = "upgrade_required"
    status = 426

    def __init__(self, detail: str = "this terminal's software is too old for the server; "
                 "update it (its changes are kept)") -> None:
        super().__init__(detail)


class TerminalQuarantined(ServerError):
    code = "terminal_quarantined"
    status = 403

    def __init__(self, detail: str = "two machines are using this terminal's identity; "
                 "nothing more is accepted from either until both are enrolled again (their "
                 "changes are kept and held for review)") -> None:
        super().__init__(detail)


class NotPermitted(ServerError):
    code = "not_permitted"
    status = 403


class AdminError(ServerError):
    code = "admin_error"


class NotFound(AdminError):
    code = "not_found"
    status = 404
