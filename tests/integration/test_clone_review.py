"""A records manager reviews what the two copies of a cloned terminal sent:
through the real server, with real encrypted terminals whose directory was
copied to a second machine. One copy enrolls again (its changes go with it);
the other machine is retired, so its changes wait for the review, side by
side with the first copy's, and a decision applies them through the push path
or discards them — audited, never twice."""

from __future__ import annotations

import json
import shutil

import pytest

from client import terminal
from client.clock import ManualClock
from client.session import Session
from client.sync.transport import HttpTransport
from server import admin
from server.admin.cli import main
from server.errors import AdminError, NotFound

from .conftest import PASSWORD, START, Org, resident


def _open(org: Org, where) -> Session:
    return terminal.unlock(where, "clerk.MG", PASSWORD, transport=HttpTransport(org.url),
                           clock=ManualClock(START), sleep=lambda _s: None)


def _cloned(org: Org) -> tuple[Session, Session, str]:
    """A terminal copied to a second machine, both copies writing, until the
    server quarantines the identity; returns both copies and a resident both edited."""
    a = org.terminal(org.a, "clerk.MG")
    first = a.residents.register(resident(family_name="Shared"))
    assert a.sync().error is None
    a.lock()
    shutil.copytree(a.home, org.tmp / "clone")
    a, b = _open(org, a.home), _open(org, org.tmp / "clone")
    a.residents.register(resident(family_name="FromA"))
    b.residents.register(resident(family_name="FromB"))
    assert a.sync().error is None
    assert b.sync().error is None  # renumbered under a new epoch
    a.residents.update(first, {"phone": "555-0101"})
    b.residents.update(first, {"phone": "555-0102"})
    assert "Two machines" in (a.sync().error or "")
    assert "Two machines" in (b.sync().error or "")
    return a, b, first


def _reenroll(org: Org, copy: Session, name: str) -> Session:
    return terminal.reenroll(copy, admin.issue_code(org.engine, org.settings,
                                                    facility_id=org.a.id),
                             name, PASSWORD, transport=HttpTransport(org.url),
                             clock=ManualClock(START), sleep=lambda _s: None)


def test_the_retired_copys_change_is_reviewed_side_by_side_and_accepted(org: Org,
                                                                        capsys) -> None:
    a, _b, first = _cloned(org)
    new_a = _reenroll(org, a, "Station A")  # machine B is retired: it never enrolls again
    assert new_a.sync().error is None
    found = admin.review_copies(org.engine, terminal_id=a.terminal_id)
    assert found.copies == ["epoch 0", "epoch 1"]
    shared = next(s for s in found.records if s.record_id == first)
    assert shared.label == "resident Shared, Adaeze"  # named as the server knows it
    [from_a] = shared.by_copy["epoch 0"]
    [from_b] = shared.by_copy["epoch 1"]
    assert from_a.review == "resent" and "555-0101" in dict(from_a.fields)["changes.phone"]
    assert from_b.review == "open" and "555-0102" in dict(from_b.fields)["changes.phone"]
    assert found.terminal.open == 1 and found.terminal.kept == 2
    # The resent one reached the server already: there is nothing to decide.
    with pytest.raises(NotFound):
        admin.decide_copy(org.engine, org.settings, terminal_id=a.terminal_id,
                          kept_id=from_a.id, decision="accept")
    # The CLI twin lists both copies and accepts B's change through the push path.
    db = ["--database-url", org.settings.database_url, "--data-dir", str(org.tmp / "server")]
    assert main([*db, "review-copies", "--terminal", a.terminal_id]) == 0
    listing = capsys.readouterr().out
    assert "resident Shared, Adaeze" in listing and "epoch 1" in listing \
        and "changes.phone=555-0102" in listing
    assert main([*db, "review-copies", "--terminal", a.terminal_id, "--accept",
                 str(from_b.id), "--reviewer", "rm.MG"]) == 0
    assert capsys.readouterr().out.split("\t")[2].startswith(("applied", "conflict"))
    data = org.server_records(org.a)[("resident", first)]
    assert "555-0102" in repr(data)  # B's edit is kept on the server (value or conflict)
    # The terminals learn it like any change.
    assert new_a.sync().error is None
    assert "555-0102" in repr(new_a.residents.get(first))
    [entry] = [r for r in org.audit_actions() if r.action.startswith("clone_review:")]
    # Read as JSON (PostgreSQL's driver hands the column over already parsed).
    detail = entry.detail if isinstance(entry.detail, dict) else json.loads(entry.detail)
    assert detail["reviewer"] == "rm.MG"
    assert detail["decision"] == "accept"
    # Decided once: not again.
    with pytest.raises(NotFound):
        admin.decide_copy(org.engine, org.settings, terminal_id=a.terminal_id,
                          kept_id=from_b.id, decision="discard")


def test_a_discarded_change_is_never_applied_even_if_its_copy_enrolls_later(org: Org) -> None:
    a, b, first = _cloned(org)
    found = admin.review_copies(org.engine, terminal_id=a.terminal_id)
    [from_b] = next(s for s in found.records if s.record_id == first).by_copy["epoch 1"]
    done = admin.decide_copy(org.engine, org.settings, terminal_id=a.terminal_id,
                             kept_id=from_b.id, decision="discard", reviewer="rm.MG")
    assert (done.review, done.reason) == ("discarded", "discarded")
    assert "555-0102" not in repr(org.server_records(org.a)[("resident", first)])
    # Machine B comes back after all and enrolls again: its carried-over copy
    # of the discarded change gets the reviewer's decision, not a second life.
    new_b = _reenroll(org, b, "Station B")
    assert new_b.sync().error is None
    assert "555-0102" not in repr(org.server_records(org.a)[("resident", first)])
    with pytest.raises(AdminError, match="accept or discard"):
        admin.decide_copy(org.engine, org.settings, terminal_id=a.terminal_id,
                          kept_id=from_b.id, decision="maybe")
