"""Who must read a bulletin and who is overdue, by hand."""

from __future__ import annotations

from datetime import date

from protocol.commands import RECORDS_COMMANDS, CaseFacts
from protocol.rules.department.bulletins import Person, overdue, unacknowledged

ANN = Person("u1", "Ann", "clerk")
BEA = Person("u2", "Bea", "records_manager")
CY = Person("u3", "Cy", "clerk", active=False)
BULLETIN = {"title": "Fees", "audience": "everyone", "due_on": "2026-11-13",
            "published_on": "2026-11-10", "acknowledgements": [{"user_id": "u1",
                                                                 "on": "2026-11-11"}]}


def test_only_the_audience_still_active_and_unacknowledged_is_waited_for() -> None:
    assert unacknowledged(BULLETIN, [ANN, BEA, CY]) == [BEA]
    assert unacknowledged({**BULLETIN, "audience": "clerks"}, [ANN, BEA, CY]) == []


def test_overdue_only_after_the_due_day() -> None:
    assert overdue(BULLETIN, [ANN, BEA], date(2026, 11, 13)) == []
    assert overdue(BULLETIN, [ANN, BEA], date(2026, 11, 14)) == [BEA]


def test_an_acknowledgement_is_the_persons_own_and_kept_once() -> None:
    spec = RECORDS_COMMANDS["acknowledge_bulletin"]
    facts = CaseFacts(today=date(2026, 11, 12))
    args = spec.clean_args({"bulletin_id": "01J00000000000000000000001", "on": "2026-11-12"})
    after = spec.apply(dict(BULLETIN), args, facts, "u2")
    again = spec.apply(after, {**args, "on": "2026-11-12"}, facts, "u2")
    assert again["acknowledgements"] == [{"user_id": "u1", "on": "2026-11-11"},
                                         {"user_id": "u2", "on": "2026-11-12"}]
