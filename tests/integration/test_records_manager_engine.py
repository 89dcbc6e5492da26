"""Records-manager work through the engine against the real server: possible
duplicate tasks, beds out of service, and note authors by name."""

from __future__ import annotations

import pytest

from client.errors import InputError, NotPermitted

from .conftest import Org, op, resident, terminal_records


def test_possible_duplicates_are_listed_and_can_be_dismissed(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    first = manager.residents.register(resident(family_name="Ito", given_name="Ken"))
    second = clerk.residents.register(resident(family_name="Ito", given_name="Ken"))
    manager.sync()
    clerk.sync()
    manager.sync()
    [task] = manager.tasks.find()
    assert set(task.resident_ids) == {first, second}
    assert "Ito, Ken" in task.label
    seq = manager.tasks.set_status(task.id, "dismissed")
    assert manager.tasks.find() == []  # shown dismissed at once, pending
    manager.sync()
    assert op(manager, seq).status == "applied"
    clerk.sync()
    assert clerk.tasks.find() == []
    assert [t.status for t in clerk.tasks.find(status=None)] == ["dismissed"]


def test_a_bed_goes_out_of_service_and_back(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    free, taken = org.a.beds[0], org.a.beds[1]
    rid = manager.residents.register(resident())
    manager.stays.admit(rid, admitted_at="2026-11-02", bed_id=taken)
    manager.sync()
    with pytest.raises(InputError):
        manager.beds.set_out_of_service(taken, True)
    with pytest.raises(NotPermitted):
        clerk.beds.set_out_of_service(free, True)
    # An admission into the free bed that has not synced yet also holds it.
    other = manager.residents.register(resident(family_name="Pending", given_name="Pat"))
    stay = manager.stays.admit(other, admitted_at="2026-11-02", bed_id=free)
    with pytest.raises(InputError):
        manager.beds.set_out_of_service(free, True)
    manager.stays.discharge(stay, discharged_at="2026-11-02", disposition="home")
    manager.sync()
    seq = manager.beds.set_out_of_service(free, True)
    assert {b.bed_id: b.state for b in manager.beds.board()}[free] == "out_of_service"
    manager.sync()
    assert op(manager, seq).status == "applied"
    clerk.sync()
    assert {b.bed_id: b.state for b in clerk.beds.board()}[free] == "out_of_service"
    manager.beds.set_out_of_service(free, False)
    manager.sync()
    clerk.sync()
    assert {b.bed_id: b.state for b in clerk.beds.board()}[free] == "free"


def test_notes_name_their_author_and_voiding_twice_is_refused(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    rid = manager.residents.register(resident())
    manager.notes.add(rid, {"category": "progress", "clinical_time": "2026-11-02T09:00",
                           "body": "Settled well."})
    manager.sync()
    clerk.sync()
    [shown] = clerk.residents.get(rid).notes
    assert shown.author_name == "rm.MG"
    manager.residents.void(rid, "registered at the wrong facility")
    with pytest.raises(InputError):
        manager.residents.void(rid, "again")


def test_a_voided_or_merged_record_gives_up_its_bed(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    wrong = manager.residents.register(resident(family_name="Mistake", given_name="Made"))
    first = manager.residents.register(resident(family_name="Ito", given_name="Ken"))
    again = manager.residents.register(resident(family_name="Ito", given_name="Ken"))
    manager.stays.admit(wrong, admitted_at="2026-11-02", bed_id=org.a.beds[0])
    manager.stays.admit(again, admitted_at="2026-11-02", bed_id=org.a.beds[1])
    manager.sync()
    manager.residents.void(wrong, "registered for the wrong person")
    manager.residents.merge(first, again)
    manager.sync()
    clerk.sync()
    states = {b.bed_id: b.state for b in clerk.beds.board()}
    assert states[org.a.beds[0]] == "free"
    assert states[org.a.beds[1]] == "free"
    voided = clerk.residents.get(wrong)
    assert voided.status == "entered_in_error"
    [stay] = voided.stays
    assert (stay.status, stay.disposition) == ("discharged", "entered_in_error")
    assert clerk.residents.get(again).stays[0].disposition == "merged_duplicate"
    assert terminal_records(clerk) == org.server_records(org.a)
