"""Who may do what: role × operation type × record kind, deny by default.

=================  =====================================================================
role               may, at a terminal of their own facility
=================  =====================================================================
clerk              register and edit residents and diagnoses, write notes (amendments and
                   entered-in-error notes included), run stay commands, record MDS
                   assessments; read staff data
records manager    all a clerk may, plus staff, licenses, worked hours, paid leave,
                   in-service training, performance reviews, registry checks; mark records
                   entered in error; merge duplicates; resolve conflicts; take beds out of
                   service; close tasks
records work       clerks open requests for records, record authorizations, log
                   disclosures, record amendment requests and statements of disagreement,
                   open completeness reviews and work their deficiencies; records managers
                   also extend, release and close requests, decide amendments, suspend
                   accountings, place and release legal holds, list, approve and record
                   destructions (each command's roles: ``CaseSpec.roles``)
regional manager   nothing at a terminal (works on the central server)
inspector          nothing at a terminal (reads reports from the central server)
=================  =====================================================================

The server answers a refused operation ``rejected`` with reason
``not_permitted``; the terminal refuses the same operation before saving it,
with the same reason, and never offers it on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from protocol.commands import records_command
from protocol.ops import OpType
from protocol.reasons import Reason
from protocol.records import RecordKind, Role

K = RecordKind
BOTH = frozenset({Role.CLERK, Role.RECORDS_MANAGER})
RM = frozenset({Role.RECORDS_MANAGER})

TERMINAL_ROLES = BOTH
"""The roles that work at terminals."""

RULES: Mapping[tuple[OpType, RecordKind], frozenset[Role]] = {
    (OpType.CREATE, K.RESIDENT): BOTH,
    (OpType.CREATE, K.DIAGNOSIS): BOTH,
    (OpType.CREATE, K.NOTE): BOTH,
    (OpType.CREATE, K.STAFF): RM,
    (OpType.CREATE, K.LICENSE): RM,
    (OpType.CREATE, K.HOURS): RM,
    (OpType.CREATE, K.ASSESSMENT): BOTH,
    (OpType.CREATE, K.TRAINING): RM,
    (OpType.CREATE, K.REVIEW): RM,
    (OpType.CREATE, K.REGISTRY_CHECK): RM,
    (OpType.CREATE, K.PAID_LEAVE): RM,
    (OpType.UPDATE, K.RESIDENT): BOTH,
    (OpType.UPDATE, K.DIAGNOSIS): BOTH,
    (OpType.UPDATE, K.STAFF): RM,
    (OpType.UPDATE, K.LICENSE): RM,
    (OpType.UPDATE, K.BED): RM,
    (OpType.UPDATE, K.TASK): RM,
    (OpType.UPDATE, K.ASSESSMENT): BOTH,
    (OpType.COMMAND, K.STAY): BOTH,
    (OpType.RESOLVE, K.RESIDENT): RM,
    (OpType.RESOLVE, K.DIAGNOSIS): RM,
    (OpType.RESOLVE, K.STAFF): RM,
    (OpType.RESOLVE, K.LICENSE): RM,
    (OpType.RESOLVE, K.BED): RM,
    (OpType.RESOLVE, K.TASK): RM,
    (OpType.RESOLVE, K.ASSESSMENT): RM,
    (OpType.VOID, K.RESIDENT): RM,
    (OpType.VOID, K.DIAGNOSIS): RM,
    (OpType.MERGE, K.RESIDENT): RM,
}
"""Every (operation type, record kind) a terminal may send, and who may send it.
A command acts on a stay; a merge on residents."""

_DOING: Mapping[OpType, str] = {
    OpType.CREATE: "add {kind} records", OpType.UPDATE: "change {kind} records",
    OpType.COMMAND: "change {kind} records", OpType.RESOLVE: "resolve conflicts on {kind} records",
    OpType.VOID: "mark {kind} records entered in error", OpType.MERGE: "merge {kind} records",
}
"""What an operation does, in words: "only a records manager may …"."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason | None = None
    """``not_permitted`` when refused."""
    detail: str = ""
    """Why, in words, when refused."""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(allowed=True)


def target_kind(op_type: OpType, kind: RecordKind | str | None) -> RecordKind | None:
    """The kind an operation acts on: a command acts on a stay, a merge on residents."""
    if op_type is OpType.COMMAND:
        return RecordKind.STAY
    if op_type is OpType.MERGE:
        return RecordKind.RESIDENT
    if kind is None:
        return None
    try:
        return RecordKind(kind)
    except ValueError:
        return None


def decide(role: Role | str, op_type: OpType | str, kind: RecordKind | str | None = None,
           *, command: str | None = None) -> Decision:
    """May ``role`` send an operation of ``op_type`` on a record of ``kind``?
    For a records command, ``command`` names it: each has its own roles."""
    op = OpType(op_type)
    target = target_kind(op, kind)
    if role not in TERMINAL_ROLES:
        return Decision(False, Reason.NOT_PERMITTED,
                        "this role works on the central server, not at terminals")
    spec = records_command(command) if op is OpType.COMMAND else None
    if spec is not None:
        if role in spec.roles:
            return ALLOWED
        return Decision(False, Reason.NOT_PERMITTED,
                        f"only a records manager may {spec.what}")
    doing = _DOING[op].format(kind=target or "such")
    if target is None or (op, target) not in RULES:
        return Decision(False, Reason.NOT_PERMITTED, f"a terminal cannot {doing}")
    if role in RULES[(op, target)]:
        return ALLOWED
    return Decision(False, Reason.NOT_PERMITTED, f"only a records manager may {doing}")


def allowed_roles(op_type: OpType | str, kind: RecordKind | str | None = None
                  ) -> frozenset[Role]:
    """Who may do it (empty when nobody may at a terminal)."""
    op = OpType(op_type)
    target = target_kind(op, kind)
    if target is None:
        return frozenset()
    return RULES.get((op, target), frozenset())
