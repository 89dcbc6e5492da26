"""The terminal refuses at entry exactly what the server refuses, by the same
shared rules: permissions, stay transitions and date rules. Each case is tried
both ways: through the terminal's own API, and as a raw operation pushed to
the real server past the terminal's checks."""

from __future__ import annotations

from typing import Any

import pytest

from client.errors import InputError, NotPermitted, TerminalError
from client.records.permissions import permitted
from client.session import Session
from protocol.ids import new_id
from protocol.ops import OpType

from .conftest import Org, inject_raw_op, op, resident


def _setup(org: Org) -> tuple[Session, Session, dict[str, str]]:
    """A records manager's terminal with one of each record, and a clerk's."""
    rm = org.terminal(org.a, "rm.MG")
    rid = rm.residents.register(resident())
    other = rm.residents.register(resident(family_name="Brennan", given_name="Ruth"))
    rm.residents.add_diagnosis(rid, {"code": "E11.9", "description": "Type 2 diabetes"})
    stay = rm.stays.admit(rid, admitted_at="2026-11-01", bed_id=org.a.beds[0])
    staff = rm.staff.add({"employee_id": "E1", "family_name": "Reyes", "given_name": "Ana",
                          "job_title_code": 7, "pay_type_code": 2})
    lic = rm.staff.add_license(staff, {"license_type": "RN", "number": "RN1",
                                       "issuing_state": "OH", "expires_on": "2027-06-30"})
    rm.sync()
    diagnosis = next(d.id for d in rm.residents.get(rid).diagnoses)
    clerk = org.terminal(org.a, "clerk.MG")
    clerk.sync()
    ids = {"resident": rid, "other": other, "stay": stay, "staff": staff, "license": lic,
           "diagnosis": diagnosis, "bed": org.a.beds[2]}
    return rm, clerk, ids


def _every_operation(ids: dict[str, str]) -> list[tuple[OpType, str | None, dict[str, Any]]]:
    """One well-formed operation of every (type, kind) a terminal may send."""
    def fields(kind: str) -> dict[str, Any]:
        return {
            "resident": {**resident(family_name="Nakamura", given_name="Kenji"),
                         "mrn": "MG900001"},
            "diagnosis": {"resident_id": ids["resident"], "code": "I10",
                          "description": "Hypertension"},
            "note": {"resident_id": ids["resident"], "category": "nursing",
                     "clinical_time": "2026-11-09T10:00", "body": "Slept well."},
            "staff": {"employee_id": f"E{new_id()[-6:]}", "family_name": "Lund",
                      "given_name": "Per", "job_title_code": 10, "pay_type_code": 2},
            "license": {"staff_id": ids["staff"], "license_type": "RN", "number": "X9",
                        "issuing_state": "OH", "expires_on": "2027-01-31"},
            "hours": {"staff_id": ids["staff"], "work_date": "2026-11-09", "hours": "8",
                      "job_title_code": 7, "pay_type_code": 2},
        }[kind]

    out: list[tuple[OpType, str | None, dict[str, Any]]] = [
        (OpType.CREATE, kind, {"kind": kind, "id": new_id(), "fields": fields(kind)})
        for kind in ("resident", "diagnosis", "note", "staff", "license", "hours")]
    changes = {"resident": {"phone": ["555-0199", 1]},
               "diagnosis": {"status": ["resolved", 0]},
               "staff": {"department": ["Nursing", 0]},
               "license": {"verification_source": ["Nursys QuickConfirm", 0]},
               "bed": {"out_of_service": [True, 0]}}
    out += [(OpType.UPDATE, kind, {"kind": kind, "id": ids[kind], "changes": change})
            for kind, change in changes.items()]
    out += [
        (OpType.COMMAND, "stay", {"name": "assign_bed", "args": {"stay_id": ids["stay"],
                                                                  "bed_id": ids["bed"]}}),
        (OpType.RESOLVE, "resident", {"kind": "resident", "id": ids["resident"],
                                      "field": "phone", "value": "555-0100"}),
        (OpType.VOID, "diagnosis", {"kind": "diagnosis", "id": ids["diagnosis"],
                                    "reason": "typed on the wrong chart"}),
        (OpType.MERGE, "resident", {"survivor_id": ids["resident"],
                                    "duplicate_id": ids["other"]}),
    ]
    return out


def test_terminal_and_server_refuse_the_same_operations(org: Org) -> None:
    rm, clerk, ids = _setup(org)
    for session in (clerk, rm):
        role = session.user.role
        sent = [(op_type, kind, inject_raw_op(session, str(op_type), payload))
                for op_type, kind, payload in _every_operation(ids)]
        session.sync()
        for op_type, kind, seq in sent:
            result = op(session, seq)
            assert result.reason != "invalid", (op_type, kind, result.detail)
            refused_by_server = result.reason == "not_permitted"
            assert refused_by_server is not permitted(role, op_type, kind), (
                role, op_type, kind, result.status, result.reason, result.detail)
    # Both roles were tried on something each may and may not do.
    assert not permitted("clerk", OpType.CREATE, "hours")
    assert permitted("records_manager", OpType.CREATE, "hours")


def test_the_clerks_refusals_save_nothing(org: Org) -> None:
    _, clerk, ids = _setup(org)
    before = len(clerk.outbox.operations())
    attempts = [
        lambda: clerk.staff.add_hours(ids["staff"], {"work_date": "2026-11-09", "hours": "8",
                                                     "job_title_code": 7, "pay_type_code": 2}),
        lambda: clerk.staff.add({"employee_id": "E7", "family_name": "Lund", "given_name": "Per",
                                 "job_title_code": 10, "pay_type_code": 2}),
        lambda: clerk.staff.update_license(ids["license"], {"number": "RN2"}),
        lambda: clerk.residents.void(ids["resident"], "wrong person"),
        lambda: clerk.residents.merge(ids["resident"], ids["other"]),
        lambda: clerk.beds.set_out_of_service(ids["bed"], True),
        lambda: clerk.conflicts.resolve("resident", ids["resident"], "phone", "555-0100"),
    ]
    for attempt in attempts:
        with pytest.raises(NotPermitted) as refused:
            attempt()
        assert refused.value.reason == "not_permitted"
        assert "records manager" in refused.value.message
    assert len(clerk.outbox.operations()) == before


# --- dates -------------------------------------------------------------------------------

DATE_CASES = [
    # (what the terminal is asked, the same as a raw operation, the field named)
    ("a birth date in the future",
     lambda s, _ids: s.residents.register(resident(birth_date="2026-12-01")),
     lambda _ids: ("create", {"kind": "resident", "id": new_id(), "fields": {
         **resident(birth_date="2026-12-01"), "mrn": "MG999999"}}),
     "Date of birth cannot be in the future."),
    ("hours worked on a future date",
     lambda s, ids: s.staff.add_hours(ids["staff"], {"work_date": "2026-11-30", "hours": "8",
                                                     "job_title_code": 7,
                                                     "pay_type_code": 2}),
     lambda ids: ("create", {"kind": "hours", "id": new_id(), "fields": {
         "staff_id": ids["staff"], "work_date": "2026-11-30", "hours": "8",
         "job_title_code": 7, "pay_type_code": 2}}),
     "Work date cannot be in the future."),
    ("a license that expires before it was issued",
     lambda s, ids: s.staff.update_license(ids["license"], {"issued_on": "2027-07-01"}),
     lambda ids: ("update", {"kind": "license", "id": ids["license"],
                             "changes": {"expires_on": ["2020-01-01", 1],
                                         "issued_on": ["2021-01-01", 0]}}),
     None),
    ("a discharge before the admission",
     lambda s, ids: s.stays.discharge(ids["stay"], discharged_at="2026-10-31"),
     lambda ids: ("command", {"name": "discharge", "args": {
         "stay_id": ids["stay"], "discharged_at": "2026-10-31"}}),
     "Discharge date cannot be before the admission date (2026-11-01)."),
]


@pytest.mark.parametrize(("what", "at_terminal", "raw", "message"), DATE_CASES,
                         ids=[case[0] for case in DATE_CASES])
def test_impossible_dates_are_refused_at_the_terminal_and_at_the_server(
        org: Org, what: str, at_terminal: Any, raw: Any, message: str | None) -> None:
    rm, _, ids = _setup(org)
    before = len(rm.outbox.operations())
    with pytest.raises(InputError) as refused:
        at_terminal(rm, ids)
    assert refused.value.reason == "invalid", what
    if message is not None:
        assert refused.value.message == message
    assert "cannot be" in refused.value.message
    assert len(rm.outbox.operations()) == before
    seq = inject_raw_op(rm, *raw(ids))
    rm.sync()
    result = op(rm, seq)
    assert (result.status, result.reason) == ("rejected", "invalid"), what
    assert "cannot be" in (result.detail or "")


def test_a_return_before_the_leave_began(org: Org) -> None:
    rm, _, ids = _setup(org)
    rm.stays.leave(ids["stay"], leave_type="hospital", at="2026-11-05T08:00")
    rm.sync()
    with pytest.raises(InputError) as refused:
        rm.stays.return_from_leave(ids["stay"], at="2026-11-04")
    assert refused.value.message == \
        "Date cannot be before the start of the leave (2026-11-05 08:00)."
    seq = inject_raw_op(rm, "command", {"name": "return", "args": {
        "stay_id": ids["stay"], "at": "2026-11-05T07:00"}})
    rm.sync()
    assert (op(rm, seq).status, op(rm, seq).reason) == ("rejected", "invalid")
    # and a command the stay's state refuses carries the server's reason too
    with pytest.raises(InputError) as twice:
        rm.stays.leave(ids["stay"], leave_type="hospital", at="2026-11-06")
    assert twice.value.reason == "not_admitted"
    seq = inject_raw_op(rm, "command", {"name": "leave", "args": {
        "stay_id": ids["stay"], "leave_type": "hospital", "at": "2026-11-06"}})
    rm.sync()
    assert op(rm, seq).reason == "not_admitted"


def test_nothing_the_terminal_refuses_is_a_traceback(org: Org) -> None:
    rm, _, ids = _setup(org)
    with pytest.raises(TerminalError):
        rm.stays.admit(ids["resident"], admitted_at="2026-11-02")  # already admitted
