import pytest
import sqlalchemy as sa
from terminal_helpers import PASSWORD, resident_fields

from client.errors import InputError, NotFound, NotPermitted
from client.store import search
from client.store.database import OUTBOX, RECORDS
from protocol.codec import decode


def _outbox(session):
    with session.store.read() as conn:
        return conn.execute(sa.select(OUTBOX).order_by(OUTBOX.c.seq)).all()


def test_outbox_is_gapless_and_ordered(session):
    rid = session.residents.register(resident_fields())
    seqs = [session.residents.update(rid, {"phone": f"555-01{i:02d}"}) for i in range(5)]
    session.notes.add(rid, {"category": "nursing", "clinical_time": "2026-01-15T08:00",
                           "body": "Settled well."})
    rows = _outbox(session)
    assert [r.seq for r in rows] == list(range(1, 8))
    assert seqs == [2, 3, 4, 5, 6]
    assert len({r.op_id for r in rows}) == 7
    stamps = [r.recorded_at for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 7


def test_invalid_input_writes_nothing_and_names_the_field(session):
    with pytest.raises(InputError) as error:
        session.residents.register(resident_fields(birth_date="1941-02-30"))
    assert error.value.field == "birth_date"
    assert "Date of birth" in error.value.message
    with pytest.raises(InputError) as missing:
        session.residents.register({"family_name": "Okafor"})
    assert missing.value.field in {"given_name", "birth_date", "sex"}
    assert _outbox(session) == []
    assert session.residents.census().total == 0


def test_failure_mid_write_leaves_neither_op_nor_change(session, monkeypatch):
    rid = session.residents.register(resident_fields())
    before = _outbox(session)

    def broken(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("client.store.outbox.refresh_many", broken)
    with pytest.raises(RuntimeError):
        session.residents.update(rid, {"phone": "555-0199"})
    with pytest.raises(RuntimeError):
        session.residents.register(resident_fields(family_name="Lindqvist"))
    monkeypatch.undo()
    assert _outbox(session) == before
    assert session.residents.get(rid).fields.get("phone") is None
    assert session.residents.census().total == 1
    # the next write takes the next number: no gap where the failures were
    assert session.residents.update(rid, {"phone": "555-0123"}) == before[-1].seq + 1


def test_pending_values_show_with_flags(session):
    rid = session.residents.register(resident_fields(phone="555-0100"))
    view = session.residents.get(rid)
    assert view.pending
    assert view.fields["phone"] == "555-0100"
    assert "family_name" in view.pending_fields
    assert view.census_status == "pre_admission"
    assert view.mrn.startswith("MG")


def test_successive_offline_edits_predict_versions(session):
    """Scenario 32: each edit's base version counts the terminal's own
    pending edits to the field, so they are not mistaken for concurrent ones."""
    rid = session.residents.register(resident_fields())
    for i in range(3):
        session.residents.update(rid, {"phone": f"555-010{i}"})
    session.residents.update(rid, {"family_name": "Okafor-Bello"})
    rows = _outbox(session)
    bases = [decode(r.payload)["changes"] for r in rows[1:]]
    assert [b["phone"][1] for b in bases[:3]] == [0, 1, 2]
    assert bases[3]["family_name"] == ["Okafor-Bello", 1]
    assert session.residents.get(rid).fields["phone"] == "555-0102"


def test_unchanged_values_write_nothing(session):
    rid = session.residents.register(resident_fields(phone="555-0100"))
    assert session.residents.update(rid, {"phone": "555-0100"}) == 0
    assert len(_outbox(session)) == 1


def test_changes_to_unknown_records_are_refused(session):
    with pytest.raises(NotFound):
        session.residents.update("01HZZZZZZZZZZZZZZZZZZZZZZZ", {"phone": "555-0100"})
    with pytest.raises(InputError):
        session.residents.update("01HZZZZZZZZZZZZZZZZZZZZZZZ", {"mrn": "X"})


def test_record_numbers_come_from_the_pool_and_run_out(session):
    with session.store.write() as conn:
        from client.store.database import set_meta

        set_meta(conn, "mrn_pools", [["MG", 41, 43]])
    first = session.residents.get(session.residents.register(resident_fields())).mrn
    second = session.residents.get(session.residents.register(resident_fields(given_name="B"))).mrn
    assert (first, second) == ("MG000041", "MG000042")
    with pytest.raises(InputError) as error:
        session.residents.register(resident_fields(given_name="C"))
    assert error.value.field == "mrn"
    assert session.residents.census().total == 2


def test_admission_offline_shows_pending_census(session, server):
    bed = server.add_bed(server.facility_id, "North", "N-101")
    session.sync()
    rid = session.residents.register(resident_fields())
    stay = session.stays.admit(rid, admitted_at="2026-01-15", bed_id=bed, payer="medicare")
    row = session.residents.census().rows[0]
    assert (row.census_status, row.pending, row.bed_label) == ("in_house", True, "N-101")
    view = session.residents.get(rid)
    assert [s.id for s in view.stays] == [stay]
    assert view.stays[0].pending
    assert [c.op_type for c in view.pending_commands] == ["command"]
    board = {b.bed_id: b for b in session.beds.board()}
    assert board[bed].state == "occupied" and board[bed].pending
    assert board[bed].resident_name == "Okafor, Adaeze"
    moves = session.stays.movements()
    assert [(m.kind, m.date, m.pending) for m in moves] == [("admission", "2026-01-15", True)]
    session.stays.discharge(stay, discharged_at="2026-01-15", disposition="home")
    assert session.residents.census().rows[0].census_status == "discharged"
    assert {b.bed_id: b.state for b in session.beds.board()}[bed] == "free"


def test_the_last_30_days_of_movements_are_30_days_today_included(session):
    """As the admissions report counts them (docs/rules.md §6): today, 15 January,
    and the 29 days before it, from 17 December; an admission on 16 December is
    the 31st day back and is not listed."""
    old = session.residents.register(resident_fields(given_name="Old"))
    session.stays.admit(old, admitted_at="2025-12-16", payer="medicare")
    new = session.residents.register(resident_fields(given_name="New"))
    session.stays.admit(new, admitted_at="2025-12-17", payer="medicare")
    assert [(m.kind, m.date) for m in session.stays.movements(30)] == [
        ("admission", "2025-12-17")]


def test_notes_amend_and_entered_in_error(session):
    rid = session.residents.register(resident_fields())
    late = session.notes.add(rid, {"category": "nursing", "clinical_time": "2026-01-15T10:00",
                                  "body": "Second entry [sic] as typed"})
    early = session.notes.add(rid, {"category": "nursing", "clinical_time": "2026-01-15T07:00",
                                   "body": "First entry"})
    session.notes.amend(early, "Amended: vitals were normal")
    session.notes.mark_entered_in_error(late, "Charted on the wrong resident")
    notes = session.residents.get(rid).notes
    # The marking is shown on the note it voids, never as a note of its own.
    assert [n.id for n in notes] == [early, late]
    assert not any(n.entered_in_error_of for n in notes)
    assert notes[1].body == "Second entry [sic] as typed"
    assert notes[0].amendments[0].body == "Amended: vitals were normal"
    assert notes[1].entered_in_error and not notes[0].entered_in_error
    marking = notes[1].error_marking
    assert marking is not None and marking.body == "Charted on the wrong resident"
    assert marking.author == notes[1].author
    assert all(n.pending for n in notes)


def test_clerks_cannot_write_staff_records(make_terminal, session):
    session.sync()
    clerk = make_terminal("jchen", PASSWORD)
    with pytest.raises(NotPermitted):
        clerk.staff.add({"employee_id": "E1", "family_name": "Ng", "given_name": "Li",
                         "job_title_code": 7, "pay_type_code": 2})
    assert _outbox(clerk) == []
    clerk.lock()


def test_overlay_rows_keep_search_columns(session):
    rid = session.residents.register(resident_fields())
    with session.store.read() as conn:
        row = conn.execute(sa.select(RECORDS).where(RECORDS.c.id == rid)).one()
    assert row.data is None  # nothing confirmed by the server yet
    assert "okafor" in row.search_text and row.pending == 1
    assert search.fold("Ä", None, "b") == "ä b"


def test_a_shift_clocked_out_later_today_is_refused_at_entry(session):
    """The clock is 09:30: a shift clocked out at 15:30 today is refused with the field
    named (the server refuses it too); one that ended at 09:00 is taken."""
    staff_id = session.staff.add({"employee_id": "E-77", "family_name": "Ruiz",
                                  "given_name": "Ana", "job_title_code": 7,
                                  "pay_type_code": 2})
    shift = {"work_date": "2026-01-15", "hours": "8.00", "clock_in": "2026-01-15T07:00",
             "clock_out": "2026-01-15T15:30", "meal_minutes": 30, "job_title_code": 7,
             "pay_type_code": 2}
    with pytest.raises(InputError) as refused:
        session.staff.add_hours(staff_id, shift)
    assert refused.value.field == "clock_out"
    assert "future" in str(refused.value)
    assert session.staff.get(staff_id).hours == []
    session.staff.add_hours(staff_id, {**shift, "hours": "2.00", "clock_out": "2026-01-15T09:00",
                                       "meal_minutes": 0})
    assert len(session.staff.get(staff_id).hours) == 1


@pytest.mark.parametrize(("op_type", "payload"), [
    ("void", {"kind": "diagnosis", "id": "01J0000000000000000000000D",
              "reason": "entered on the wrong chart"}),
    ("update", {"kind": "bed", "id": "01J0000000000000000000000B",
                "changes": {"out_of_service": [True, 0]}}),
    ("resolve", {"kind": "resident", "id": "01J0000000000000000000000R",
                 "field": "phone", "value": "555-0100"}),
])
def test_the_outbox_refuses_what_the_role_rule_refuses(make_terminal, session, op_type,
                                                        payload):
    """Deny by default at the terminal too: the outbox itself asks the shared rule
    (protocol.rules.permissions) before recording, so a write path that forgot to
    ask cannot save offline a change the server is bound to refuse."""
    from client.store.outbox import record_op
    from protocol.ops import OpType

    clerk = make_terminal("jchen", PASSWORD)
    with pytest.raises(NotPermitted) as refused:
        record_op(clerk._actor(), OpType(op_type), payload, summary="x")
    assert refused.value.message.startswith("Only a records manager may")
    assert _outbox(clerk) == []
    clerk.lock()
