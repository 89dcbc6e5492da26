"""What the portal refuses. Each error has a stable ``code`` and an HTTP
``status``; the portal's pages show ``detail`` to the person, the JSON twins
return ``{"error": code, "detail": detail}``.

    ServerError (server.errors)
    ├── NotFound                404: missing, or outside the asker's scope (the
    │                               same answer, so scope never reveals existence)
    └── PortalError
        ├── SignInRefused       401: wrong name, password or code (one answer)
        ├── SignInThrottled     429: too many failures; try again later
        ├── AccessUnavailable   410: an inspector access that is used, revoked,
        │                           expired, not yet valid or locked
        └── InputInvalid        400: a form field; ``field`` names it
"""

from __future__ import annotations

from server.errors import ServerError


class PortalError(ServerError):
    code = "portal_error"


class SignInRefused(PortalError):
    code = "sign_in_refused"
    status = 401

    def __init__(self, detail: str = "The user name, password or code is not right.") -> None:
        super().__init__(detail)


CODE_JUST_USED = "That code was just used; wait for the next one and enter it."
"""Said only after the password step passed (the code was right, for this very
account): it tells the person signing in nothing about anyone else."""


class SignInThrottled(PortalError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after_s: int) -> None:
        minutes = max(1, -(-retry_after_s // 60))
        super().__init__(f"Too many failed sign-ins. Try again in {minutes} minute"
                         f"{'s' if minutes != 1 else ''}.")
        self.retry_after_s = retry_after_s


class AccessUnavailable(PortalError):
    code = "access_unavailable"
    status = 410

    TEXT = {
        "unknown": "This inspector access key is not valid. Check that it was pasted whole, "
                   "or ask the facility's regional manager for a new access.",
        "used": "This inspector access key has already been used. Each key works once; ask the "
                "regional manager for a new access if you need to sign in again.",
        "revoked": "This inspector access was revoked by the regional manager.",
        "expired": "This inspector access has expired.",
        "not_yet": "This inspector access is not valid yet.",
        "locked": "This inspector access key is locked after too many wrong codes. Ask the "
                  "regional manager for a new access.",
        "session_ended": "Your inspector session has ended. Each key works once; ask the "
                         "regional manager for a new access to continue.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.TEXT[reason])
        self.reason = reason


class InputInvalid(PortalError):
    code = "invalid"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field
