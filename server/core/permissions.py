"""Who may do what. The server checks permissions here and nowhere else.

Two questions, asked at different points of :func:`server.core.dispatch.handle`
(a user who is no clerk or records manager of the facility is refused before
the payload is even read; the role rule needs the validated record kind):

- :func:`acts_for`: is this user a clerk or records manager of this facility
  (also asked when a terminal enrolls);
- :func:`role_permits`: may this role do this operation to this kind of record.
  Clerks may not resolve, void or merge, nor write staff, license, hours, bed or
  task records; records managers may do everything a terminal can.
"""

from __future__ import annotations

from protocol.ops import OpType
from protocol.records import NEEDS_RECORDS_MANAGER, STAFF_KINDS, TERMINAL_ROLES, RecordKind, Role

RECORDS_MANAGER_KINDS = frozenset(STAFF_KINDS | NEEDS_RECORDS_MANAGER)
RECORDS_MANAGER_TYPES = frozenset({OpType.RESOLVE, OpType.MERGE, OpType.VOID})


def acts_for(user_facility_id: str | None, role: str, facility_id: str) -> bool:
    """A clerk or records manager of ``facility_id`` (active or not)."""
    return user_facility_id == facility_id and role in TERMINAL_ROLES


def role_permits(role: str, op_type: OpType, kind: RecordKind | None) -> bool:
    """The permission rule: by role, operation type and record kind."""
    if role not in TERMINAL_ROLES:
        return False
    if role == Role.RECORDS_MANAGER:
        return True
    return op_type not in RECORDS_MANAGER_TYPES and kind not in RECORDS_MANAGER_KINDS
