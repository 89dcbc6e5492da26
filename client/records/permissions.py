"""Who may do what at this terminal: the one place the terminal checks a role.

Every write of the engine asks :func:`require_permitted` before it records
anything, and every screen asks :func:`permitted` (through
``Session.permits``) before it opens a form, so a clerk is told at once rather
than after filling the form in, and a change the server is bound to refuse is
never saved offline. The server checks again when the change arrives (see
"Operation checks" in ``docs/architecture.md``); :func:`permitted` is where the
terminal will call the rule both sides share once it lives in ``protocol/``.
"""

from __future__ import annotations

from enum import StrEnum

from protocol.ops import OpType
from protocol.records import NEEDS_RECORDS_MANAGER, RecordKind, Role

from ..errors import NotPermitted
from ..views import UserInfo


class TerminalAction(StrEnum):
    """What a user does at this terminal that is not a synced operation."""

    ADD_USER = "add_user"
    """Give a user of the facility a key slot here, or reset a disabled one."""


Action = OpType | TerminalAction

RECORDS_MANAGER_OPERATIONS = frozenset({OpType.RESOLVE, OpType.VOID, OpType.MERGE})
"""Operations on a whole record or on others' values: records managers only."""


def permitted(role: str, action: Action, kind: RecordKind | None = None) -> bool:
    """May a user with ``role`` do ``action`` (to a ``kind`` record) at this terminal?

    A records manager may do everything a terminal offers. A clerk may record
    residents, stays, diagnoses, notes and worked hours, but may not resolve
    conflicts, mark a record entered in error or merge records, may not create or
    change staff, license, bed or task records, and may not add users to the
    terminal.
    """
    if role == Role.RECORDS_MANAGER:
        return True
    if isinstance(action, TerminalAction):
        return False
    return action not in RECORDS_MANAGER_OPERATIONS and kind not in NEEDS_RECORDS_MANAGER


def require_permitted(user: UserInfo, action: Action, kind: RecordKind | None = None, *,
                      what: str) -> None:
    """Raise :class:`NotPermitted` ("Only a records manager may ``what``.") unless
    :func:`permitted`."""
    if not permitted(user.role, action, kind):
        raise NotPermitted(f"Only a records manager may {what}.")
