"""Who may do what at this terminal, in the words the screens use.

The engine enforces roles (``NotPermitted``); the screens ask first, so a clerk
is told before filling in a form that a records manager would have to save.
"""

from __future__ import annotations

from typing import Any

from protocol.records import Role


def is_records_manager(session: Any) -> bool:
    return str(getattr(session.user, "role", "")) == Role.RECORDS_MANAGER


def records_manager_only(what: str) -> str:
    """Why a clerk cannot ``what`` (say, "mark a resident entered in error")."""
    return (f"Only a records manager can {what}. You are signed in as a clerk: "
            "ask your records manager.")
