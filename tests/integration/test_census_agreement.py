"""Terminal and server agree on a resident's census at every stay transition.

Hypothesis writes stay histories (admissions with and without a bed, bed
assignments, leaves with and without a held bed, returns, discharges, with
dates in and out of order). Each command is recorded at a real encrypted
terminal, which shows its predicted census while the command is pending; the
real server then decides it. The census the terminal predicted must be the one
the server derives, and a command the terminal refuses must be refused by the
server with the same reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from client.errors import InputError
from client.session import Session
from protocol.ids import new_id
from protocol.rules.residents.census import is_current

from .conftest import Org, inject_raw_op, op, resident

DAYS = st.sampled_from([-2, 0, 1, 1, 2])  # days after the last event (−2: out of order)
STEP = st.tuples(
    st.sampled_from(["admit", "assign_bed", "leave", "return", "discharge"]),
    st.booleans(),                                   # with a bed / holding the bed
    st.sampled_from(["hospital", "therapeutic"]),
    DAYS,
)
AWAY_AND_BACK = st.tuples(st.booleans(), st.sampled_from(["hospital", "therapeutic"]),
                          DAYS, DAYS).map(lambda t: [("leave", t[0], t[1], t[2]),
                                                     ("return", False, t[1], t[3])])
STEPS = st.lists(st.one_of(STEP.map(lambda step: [step]), AWAY_AND_BACK), min_size=1,
                 max_size=5).map(lambda groups: [step for group in groups for step in group])


def _server_view(org: Org, rid: str) -> tuple[str, Any]:
    data = org.server_records(org.a)[("resident", rid)]["data"]
    return data["_census"], data["_bed_label"]


def _stay(session: Session, rid: str) -> Any:
    stays = session.residents.get(rid).stays
    return next((s for s in stays if is_current(s.fields)), stays[0] if stays else None)


def _free_bed(session: Session) -> str | None:
    return next((b.bed_id for b in session.beds.board() if b.state == "free"), None)


SKIPPED = ({}, "nothing to act on")


def _attempt(session: Session, rid: str, step: tuple[str, bool, str, int], day: date
             ) -> tuple[dict[str, Any], str] | None:
    """Do one step through the terminal's API. None when it was recorded;
    :data:`SKIPPED` when there was nothing to act on (no stay, no free bed);
    else the command as it would travel and the reason the terminal gave for
    refusing it."""
    name, flag, leave_type, _ = step
    when = day.isoformat()
    stay = _stay(session, rid)
    bed = _free_bed(session)
    if name == "admit":
        args: dict[str, Any] = {"stay_id": new_id(), "resident_id": rid, "admitted_at": when}
        if flag and bed:
            args["bed_id"] = bed
    elif stay is None or (name == "assign_bed" and bed is None):
        return SKIPPED
    else:
        args = {"stay_id": stay.id, **{
            "assign_bed": {"bed_id": bed},
            "leave": {"leave_type": leave_type, "at": when, "bed_hold": flag},
            "return": {"at": when},
            "discharge": {"discharged_at": when},
        }[name]}
    calls = {
        "admit": lambda: session.stays.admit(rid, admitted_at=when, bed_id=args.get("bed_id")),
        "assign_bed": lambda: session.stays.assign_bed(args["stay_id"], args["bed_id"]),
        "leave": lambda: session.stays.leave(args["stay_id"], leave_type=leave_type, at=when,
                                             bed_hold=flag),
        "return": lambda: session.stays.return_from_leave(args["stay_id"], at=when),
        "discharge": lambda: session.stays.discharge(args["stay_id"], discharged_at=when),
    }
    try:
        calls[name]()
    except InputError as refused:
        return {"name": name, "args": args}, refused.reason
    return None


@pytest.mark.slow
# One written-out history for each outcome the 40 derandomized examples this test
# used to draw reached: each step a terminal records, with the census it leads to,
# and each reason it refuses one for (15 in all; 24 steps here). Those 40 took 225
# steps, nearly a third of them in seven nine- and ten-step histories that only
# repeated refusals the others reached (a leave or a return refused). Hypothesis still
# draws 10 more (derandomized: the same in every run), which reached all 15 again.
@example(with_bed=False, more=[("admit", False, "hospital", -2)])
@example(with_bed=True, more=[("return", True, "hospital", 1)])
@example(with_bed=True, more=[("assign_bed", True, "therapeutic", -2),
                              ("leave", True, "therapeutic", 2),
                              ("return", False, "therapeutic", 0),
                              ("discharge", True, "therapeutic", -2)])
@example(with_bed=False, more=[("leave", False, "hospital", -2),
                               ("assign_bed", True, "therapeutic", 1),
                               ("leave", True, "hospital", 1),
                               ("return", False, "hospital", 2)])
@example(with_bed=False, more=[("discharge", True, "hospital", 0)])
@example(with_bed=True, more=[("leave", False, "therapeutic", 2),
                              ("return", False, "therapeutic", 1),
                              ("leave", False, "hospital", 1),
                              ("return", False, "hospital", -2),
                              ("leave", False, "hospital", 1),
                              ("return", False, "hospital", 1),
                              ("admit", False, "hospital", 0)])
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(with_bed=st.booleans(), more=STEPS)
def test_terminal_and_server_agree_on_every_transition(org: Org, with_bed: bool,
                                                        more: list[Any]) -> None:
    steps = [("admit", with_bed, "hospital", 0), *more]
    session = getattr(org, "agreement_session", None)
    if session is None:
        session = org.terminal(org.a, "rm.MG")
        org.agreement_session = session  # type: ignore[attr-defined]
    rid = session.residents.register(resident(family_name=f"Case{len(steps)}"))
    session.sync()
    day = date(2026, 10, 1)
    for step in steps:
        day = max(day + timedelta(days=step[3]), date(2026, 9, 25))
        refused = _attempt(session, rid, step, day)
        if refused is SKIPPED:
            continue
        if refused is not None:
            # The terminal said no: the server says no, for the same reason.
            command, reason = refused
            event(f"refused {step[0]}: {reason}")
            seq = inject_raw_op(session, "command", command)
            session.sync()
            result = op(session, seq)
            assert (result.status, result.reason) == ("rejected", reason), (steps, step)
            continue
        predicted = session.residents.get(rid)
        event(f"recorded {step[0]} → {predicted.census_status}")
        session.sync()
        server = _server_view(org, rid)
        assert (predicted.census_status, predicted.bed_label) == server, (steps, step)
        shown = session.residents.get(rid)
        assert (shown.census_status, shown.bed_label, shown.pending) == (*server, False)
    # Leave the beds free for the next example.
    stay = _stay(session, rid)
    if stay is not None and is_current(stay.fields):
        session.stays.discharge(stay.id, discharged_at="2026-11-09")
        session.sync()
