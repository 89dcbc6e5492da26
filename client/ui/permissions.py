"""Telling a clerk, before any form opens, that something needs a records manager.

Whether the signed-in user may do something is the engine's one rule
(``session.permits``, which the engine's writes check again); this module only
says no in the words the screens use.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from protocol.records import RecordKind

from .engine import Action, Session

EMERGENCY_REFUSED = frozenset({"section", "duplicates", "sync_now", "command_palette"})
"""The app's keys that emergency access refuses (F2 to F10, sync now, the palette);
every key of the screen is refused too. Lock, switch user, quit and help stay."""


def permitted_or_told(app: App[Any], session: Session, what: str, action: Action,
                      kind: RecordKind | None = None) -> bool:
    """Whether the user may ``action``; if not, a notification says who can ``what``."""
    if session.permits(action, kind):
        return True
    app.notify(records_manager_only(what), title="Records managers only", severity="warning",
               markup=False, timeout=8)
    return False


def records_manager_only(what: str) -> str:
    """Why a clerk cannot ``what`` (say, "mark a resident entered in error")."""
    return (f"Only a records manager can {what}. You are signed in as a clerk: "
            "ask your records manager.")
