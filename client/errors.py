"""Errors the terminal's engine raises, each with a sentence for the clerk.

Callers (the Textual app, the CLI) catch :class:`TerminalError` and show
``.message``; nothing below it ever needs a traceback to be understood::

    TerminalError
    ├── InvalidCredentials   wrong passphrase or unknown user (one message for both)
    ├── SlotDisabled         too many failed attempts; a records manager resets it
    ├── StoreUnreadable      wrong key, flipped bytes, truncated store
    ├── NotEnrolled          no terminal in this directory yet
    ├── EnrollmentFailed     the server refused or could not be reached
    ├── InputError           a field the clerk typed breaks a rule (names the field)
    ├── NotPermitted         the user's role does not allow the change
    ├── NotFound             the record asked for is not at this terminal
    ├── SessionLocked        the session was locked (idle lock, switch user)
    └── SyncError            internal to the sync engine; ``sync()`` reports it
                             in its SyncReport instead of raising
"""

from __future__ import annotations


class TerminalError(Exception):
    """Root of every error the terminal's engine raises."""

    default_message = "Something went wrong at this terminal."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidCredentials(TerminalError):
    default_message = "The user name or passphrase is not correct."


class SlotDisabled(TerminalError):
    default_message = ("This user is locked out of this terminal after too many failed "
                       "attempts; a records manager must reset the sign-in.")


class OfflineExpired(TerminalError):
    """Outside the offline window the server granted, or the clock is earlier than
    the latest time this terminal has seen (:mod:`protocol.rules.offline_access`)."""

    default_message = ("Connect this terminal to the network to refresh its sign-in.")

    def __init__(self, message: str | None = None, *, emergency_offered: bool = False) -> None:
        super().__init__(message)
        self.emergency_offered = emergency_offered
        """The passphrase was right and only the window ran out: emergency access
        (:mod:`protocol.rules.emergency_access`) may be offered."""


class StoreUnreadable(TerminalError):
    default_message = ("The terminal's store cannot be opened; it may be damaged. Set it "
                       "aside and re-sync from the server: enroll the terminal again and "
                       "its first sync brings back the records.")


class NotEnrolled(TerminalError):
    default_message = ("This terminal is not enrolled yet; enroll it with a code from your "
                       "regional manager.")


class EnrollmentFailed(TerminalError):
    default_message = "The terminal could not be enrolled."


class InputError(TerminalError):
    """A value the clerk typed breaks a rule; ``field`` names it so the form can
    point at it, and the typed input stays where it was. ``reason`` is the code
    the server would have answered with (:class:`protocol.reasons.Reason`):
    ``invalid`` for a field, or the state that refuses a command
    (``not_admitted``, ``not_on_leave``, …)."""

    def __init__(self, field: str, message: str, *, reason: str = "invalid") -> None:
        self.field = field
        self.reason = reason
        super().__init__(message)


class NotPermitted(TerminalError):
    default_message = "Your role does not allow this change; ask a records manager."
    reason = "not_permitted"


class NotFound(TerminalError):
    default_message = "That record is not at this terminal."


class SessionLocked(TerminalError):
    """The session was locked: its key is gone and its store closed."""

    default_message = "The terminal is locked; sign in again."


class SyncError(TerminalError):
    """Raised inside the sync engine to stop a round; ``sync()`` turns it into
    ``SyncReport.error``. ``retry`` says whether trying again later may help."""

    default_message = "The server could not be reached."

    def __init__(self, message: str | None = None, *, retry: bool = True) -> None:
        self.retry = retry
        super().__init__(message)
