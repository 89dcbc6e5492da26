"""Sequences the scenario-34 state machine (:mod:`.test_state_machine`) once
failed on, replayed by hand step by step: each must converge."""

from __future__ import annotations

from .conftest import Org
from .test_state_machine import facility_machine


def test_a_clone_sharing_an_answered_change_does_not_send_it_twice(org: Org) -> None:
    """Found by the clone step: a copy whose first pending change the other copy
    had already sent was answered ``behind`` without that change's result, so it
    renumbered it with its own and sent it again (rejected ``already_exists``,
    one change with two results). The ``behind`` answer now carries the results
    of the changes both copies share."""
    state = facility_machine(org)()
    state.setup(n=2, seed=419)
    state.register(name="Ng", t=0)  # pending on both copies
    state.clone_a_terminal(t=0)
    state.register(name="Ruiz", t=0)
    state.register(name="Ng", t=2)  # the clone's own, under the same number
    state.teardown()  # converges; nothing lost, nothing applied twice

