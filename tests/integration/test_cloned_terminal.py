"""Two machines sharing one terminal identity (a copied directory): the server
quarantines the identity with a clear reason, keeps every payload from either
copy for review side by side, both copies tell their clerks to enroll again,
and enrolling again carries their pending changes over."""

from __future__ import annotations

import json
import shutil

from client import terminal
from client.clock import ManualClock
from client.sync.transport import HttpTransport
from server import admin
from server.core.clones import held_from_copies

from .conftest import PASSWORD, START, Org, resident


def test_clone_is_quarantined_and_both_copies_reenroll_without_loss(org: Org) -> None:
    a = org.terminal(org.a, "clerk.MG")
    home = a.home
    first = a.residents.register(resident(family_name="Shared"))
    assert a.sync().error is None
    a.lock()
    clone_home = org.tmp / "clone"
    shutil.copytree(home, clone_home)  # the disk is copied to a second machine

    def open_copy(where):
        return terminal.unlock(where, "clerk.MG", PASSWORD, transport=HttpTransport(org.url),
                               clock=ManualClock(START), sleep=lambda _s: None)

    a, b = open_copy(home), open_copy(clone_home)
    on_a = a.residents.register(resident(family_name="FromA"))
    on_b = b.residents.register(resident(family_name="FromB"))
    assert a.sync().error is None
    # B's numbers were taken by A: B looks like a restored copy and renumbers.
    assert b.sync().error is None
    # A goes on under the old epoch: two live copies, the identity is quarantined.
    a.residents.update(first, {"phone": "555-0101"})
    report_a = a.sync()
    assert report_a.error is not None and "Two machines" in report_a.error
    b.residents.update(first, {"phone": "555-0102"})
    report_b = b.sync()
    assert report_b.error is not None and "Two machines" in report_b.error
    held = held_from_copies(org.engine, a.terminal_id)
    assert {h.origin for h in held} == {"epoch 0", "epoch 1"}  # both copies, side by side
    assert ("terminal:quarantined", "clone") in {(r.action, r.outcome)
                                                 for r in org.audit_actions()}
    # Nothing of either was applied after the quarantine; nothing is lost.
    assert org.server_records(org.a)[("resident", first)]["data"]["phone"] == "555-0100"
    # Both enroll again; their pending changes go with them.
    new_a = terminal.reenroll(a, admin.issue_code(org.engine, org.settings, facility_id=org.a.id),
                     "Station A", PASSWORD, transport=HttpTransport(org.url),
                     clock=ManualClock(START), sleep=lambda _s: None)
    new_b = terminal.reenroll(b, admin.issue_code(org.engine, org.settings, facility_id=org.a.id),
                     "Station B", PASSWORD, transport=HttpTransport(org.url),
                     clock=ManualClock(START), sleep=lambda _s: None)
    assert new_a.terminal_id != new_b.terminal_id != a.terminal_id
    assert new_a.sync().error is None and new_b.sync().error is None
    assert new_a.sync().error is None
    server = org.server_records(org.a)
    assert {("resident", on_a), ("resident", on_b)} <= set(server)
    both = json.dumps(server[("resident", first)])
    assert "555-0101" in both and "555-0102" in both  # both copies' edits kept
    assert {h.review for h in held_from_copies(org.engine, a.terminal_id)} == {"resent"}
    assert list(org.tmp.glob(f"{home.name}.quarantined-*"))
    assert list(org.tmp.glob("clone.quarantined-*"))
