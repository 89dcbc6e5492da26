"""Who may do what. The server asks here and nowhere else, and the answer comes
from the shared rule :mod:`protocol.rules.permissions`, the same one the
terminal asks before it saves a change.

Two questions, asked at different points of :func:`server.core.dispatch.handle`
(a user who is no clerk or records manager of the facility is refused before
the payload is even read; the role rule needs the validated record kind):

- :func:`acts_for`: is this user a clerk or records manager of this facility
  (also asked when a terminal enrolls);
- :func:`decide`: may this role do this operation to this kind of record.
"""

from __future__ import annotations

from functools import lru_cache

from protocol.ops import OpType
from protocol.records import RecordKind
from protocol.rules import permissions
from protocol.rules.permissions import Decision


def acts_for(user_facility_id: str | None, role: str, facility_id: str) -> bool:
    """A clerk or records manager of ``facility_id`` (active or not)."""
    return user_facility_id == facility_id and role in permissions.TERMINAL_ROLES


@lru_cache(maxsize=1024)
def decide(role: str, op_type: OpType, kind: RecordKind | None, *,
           command: str | None = None) -> Decision:
    """The permission rule: by role, operation type and record kind (and, for a
    records command, the command). The rule is pure and its answer immutable,
    so each question is answered once (a push asks it for every operation)."""
    return permissions.decide(role, op_type, kind, command=command)
