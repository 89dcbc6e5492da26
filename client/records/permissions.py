"""Who may do what at this terminal: the one place the terminal checks a role.

Every write of the engine asks :func:`require_permitted` before it records
anything, and every screen asks :func:`permitted` (through
``Session.permits``) before it opens a form, so a clerk is told at once rather
than after filling the form in, and a change the server is bound to refuse is
never saved offline. The rule is the one the server applies when the change
arrives (:mod:`protocol.rules.permissions`), so both refuse the same things.
"""

from __future__ import annotations

from enum import StrEnum

from protocol.ops import OpType
from protocol.records import RecordKind, Role
from protocol.rules.permissions import decide

from ..errors import NotPermitted
from ..views import UserInfo


class TerminalAction(StrEnum):
    """What a user does at this terminal that is not a synced operation."""

    ADD_USER = "add_user"
    """Give a user of the facility a key slot here, or reset a disabled one."""


Action = OpType | TerminalAction

def permitted(role: str, action: Action, kind: RecordKind | None = None, *,
              command: str | None = None) -> bool:
    """May a user with ``role`` do ``action`` (to a ``kind`` record) at this terminal?

    A synced operation is decided by the rule the server applies
    (:func:`protocol.rules.permissions.decide`). Adding a user to this
    terminal (a key slot, never synced) is for records managers.
    """
    if isinstance(action, TerminalAction):
        return role == Role.RECORDS_MANAGER
    return decide(role, action, kind, command=command).allowed


def require_permitted(user: UserInfo, action: Action, kind: RecordKind | None = None, *,
                      what: str, command: str | None = None) -> None:
    """Raise :class:`NotPermitted` ("Only a records manager may ``what``.") unless
    :func:`permitted`."""
    if not permitted(user.role, action, kind, command=command):
        raise NotPermitted(f"Only a records manager may {what}.")
