"""Errors raised inside the terminal app.

    UIError                 root of every error the app raises itself
    └── SessionLocked       a screen asked for the session while the terminal was locked

Errors from the engine (``client.errors.TerminalError`` and its subclasses, with
``.message`` written for the clerk) are not wrapped: screens show their message
as is. Anything else reaching a worker is a defect, shown by the app's central
handler as a dialog rather than a traceback.
"""

from __future__ import annotations


class UIError(Exception):
    """Root of the errors the terminal app raises itself."""


class SessionLockedError(UIError):
    """The terminal is locked (idle lock, switch user): no session to work with."""

    def __init__(self) -> None:
        super().__init__("The terminal is locked; unlock it to continue.")
