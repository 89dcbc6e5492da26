"""Every role × operation type × record kind through the shared permission rule.

The expected table is written out by hand from the role table in
docs/architecture.md, not derived from the rule's own data.
"""

from __future__ import annotations

import itertools

import pytest

from protocol.ops import OpType
from protocol.reasons import Reason
from protocol.records import RecordKind, Role
from protocol.rules.permissions import decide

C, RM = Role.CLERK, Role.RECORDS_MANAGER
K = RecordKind

EXPECTED: dict[tuple[OpType, RecordKind], set[Role]] = {
    (OpType.CREATE, K.RESIDENT): {C, RM},
    (OpType.CREATE, K.DIAGNOSIS): {C, RM},
    (OpType.CREATE, K.NOTE): {C, RM},
    (OpType.CREATE, K.STAFF): {RM},
    (OpType.CREATE, K.LICENSE): {RM},
    (OpType.CREATE, K.HOURS): {RM},
    (OpType.CREATE, K.ASSESSMENT): {C, RM},
    (OpType.CREATE, K.TRAINING): {RM},
    (OpType.CREATE, K.REVIEW): {RM},
    (OpType.CREATE, K.REGISTRY_CHECK): {RM},
    (OpType.CREATE, K.PAID_LEAVE): {RM},
    (OpType.UPDATE, K.RESIDENT): {C, RM},
    (OpType.UPDATE, K.DIAGNOSIS): {C, RM},
    (OpType.UPDATE, K.STAFF): {RM},
    (OpType.UPDATE, K.LICENSE): {RM},
    (OpType.UPDATE, K.BED): {RM},
    (OpType.UPDATE, K.TASK): {RM},
    (OpType.UPDATE, K.ASSESSMENT): {C, RM},
    (OpType.COMMAND, K.STAY): {C, RM},
    (OpType.RESOLVE, K.RESIDENT): {RM},
    (OpType.RESOLVE, K.DIAGNOSIS): {RM},
    (OpType.RESOLVE, K.STAFF): {RM},
    (OpType.RESOLVE, K.LICENSE): {RM},
    (OpType.RESOLVE, K.BED): {RM},
    (OpType.RESOLVE, K.TASK): {RM},
    (OpType.RESOLVE, K.ASSESSMENT): {RM},
    (OpType.VOID, K.RESIDENT): {RM},
    (OpType.VOID, K.DIAGNOSIS): {RM},
    (OpType.MERGE, K.RESIDENT): {RM},
}


@pytest.mark.parametrize(("role", "op_type", "kind"),
                         list(itertools.product(Role, OpType, RecordKind)))
def test_every_role_operation_and_kind(role: Role, op_type: OpType, kind: RecordKind) -> None:
    # A command always acts on a stay and a merge on residents, whatever kind is named.
    target = K.STAY if op_type is OpType.COMMAND else K.RESIDENT if op_type is OpType.MERGE \
        else kind
    expected = role in EXPECTED.get((op_type, target), set())
    decision = decide(role, op_type, kind)
    assert decision.allowed is expected
    if not expected:
        assert decision.reason is Reason.NOT_PERMITTED
        assert decision.detail


def test_refusals_say_why_in_words() -> None:
    assert decide(C, OpType.CREATE, K.HOURS).detail == \
        "only a records manager may add hours records"
    assert "central server" in decide(Role.INSPECTOR, OpType.CREATE, K.NOTE).detail
    assert "cannot" in decide(RM, OpType.CREATE, K.FACILITY).detail


def test_unknown_kind_is_refused_not_an_error() -> None:
    assert not decide(RM, OpType.UPDATE, "spaceship")
    assert not decide(RM, OpType.UPDATE, None)


def test_what_a_terminal_may_send_at_all_matches_the_permission_table() -> None:
    # protocol.records lists the kinds a payload may name; the permission table
    # must not allow anything the payload check would refuse, nor the reverse.
    from protocol.records import CREATABLE, UPDATABLE
    from protocol.rules.permissions import RULES

    assert {k for (op, k) in RULES if op is OpType.CREATE} == set(CREATABLE)
    assert {k for (op, k) in RULES if op is OpType.UPDATE} == set(UPDATABLE)
    assert {k for (op, k) in RULES if op is OpType.RESOLVE} == set(UPDATABLE)
