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


def test_a_terminal_whose_answers_the_server_lost_pulls_everything_again(org: Org) -> None:
    """Found by Hypothesis: terminal 1 pushed two notes after the server's backup
    and pulled up to them; the server was restored (undeclared), and terminal 0's
    admission and note took the lost log positions, so the head passed terminal
    1's cursor again. Terminal 1 then found the server expected its operation 1,
    re-sent both notes, but kept its cursor under the same generation: it never
    pulled the stay, nor the resident showing the admission, from the positions
    it believed it had. A terminal holding answers past the last operation the
    server handled for it now shows the server was restored (a new generation),
    and it pulls everything again."""
    state = facility_machine(org)()
    state.setup(n=2, seed=678)
    rid = state.register(name="Ng", t=0)
    state.sync(t=0)
    state.back_up_the_server()
    state.note(body="a", rid=rid, t=1)
    state.note(body="b", rid=rid, t=1)
    state.sync(t=1)  # pulls up to its own notes: positions the restore loses
    state.restore_the_server()
    state.admit(bed=3, rid=rid, t=0)
    state.note(body="c", rid=rid, t=0)
    state.sync(t=0)  # the stay and the resident take the lost positions
    state.teardown()  # every terminal equals the server


def test_a_terminal_that_pulled_lost_changes_pulls_everything_again(org: Org) -> None:
    """The same restore seen by a bystander: terminal 2 pulled terminal 1's notes
    before the restore and has no answer the server lost, so nothing of its own
    shows the restore, and the head has passed its cursor. Terminal 1's pull
    starts the new generation, and terminal 2 pulls everything again."""
    state = facility_machine(org)()
    state.setup(n=3, seed=678)
    rid = state.register(name="Ng", t=0)
    state.sync(t=0)
    state.back_up_the_server()
    state.note(body="a", rid=rid, t=1)
    state.note(body="b", rid=rid, t=1)
    state.sync(t=1)
    state.sync(t=2)  # pulls terminal 1's notes: positions the restore loses
    state.restore_the_server()
    state.admit(bed=3, rid=rid, t=0)
    state.note(body="c", rid=rid, t=0)
    state.sync(t=0)
    state.teardown()  # terminals 0, 1, 2 in turn: terminal 2 after terminal 1
