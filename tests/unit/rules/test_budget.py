"""The department's budget rules, computed by hand: who decides a request (the
records manager up to the facility's limit, inclusive; the regional manager
above), amounts in cents, the journal and budget against actual by month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from protocol.commands import RECORDS_COMMANDS, CaseFacts, Named
from protocol.errors import Refused, ValidationError
from protocol.records import Role
from protocol.rules.department.budget import (
    DEFAULT_LIMIT,
    Line,
    approved,
    budget_vs_actual,
    check_decider,
    decider_for,
    fiscal_months,
    limit_of,
    money,
)

LINE = "01J00000000000000000000001"
REQ = "01J00000000000000000000002"
USER = "01J00000000000000000000009"


def test_the_records_manager_decides_up_to_the_limit_and_the_region_above_it() -> None:
    limit = Decimal("2500.00")
    assert decider_for("2500.00", limit) is Role.RECORDS_MANAGER
    assert decider_for("2500.01", limit) is Role.REGIONAL_MANAGER
    check_decider(Role.RECORDS_MANAGER, "2500.00", limit)
    check_decider(Role.REGIONAL_MANAGER, "2500.01", limit)
    with pytest.raises(Refused) as above:
        check_decider(Role.RECORDS_MANAGER, "2500.01", limit)
    assert above.value.reason == "not_permitted"
    assert "above the records manager's limit of $2,500.00" in str(above.value)
    with pytest.raises(Refused, match="within the records manager's limit"):
        check_decider(Role.REGIONAL_MANAGER, "100.00", limit)


def test_the_limit_is_the_facilitys_own_else_the_default() -> None:
    assert limit_of({}) == DEFAULT_LIMIT
    assert limit_of({"expenditure_limit": "10000"}) == Decimal("10000.00")
    assert limit_of({"expenditure_limit": "not money"}) == DEFAULT_LIMIT


@pytest.mark.parametrize(("typed", "kept"), [("1250", "1250.00"), ("$1,250.5", "1250.50"),
                                             (99, "99.00")])
def test_amounts_are_kept_in_cents(typed: object, kept: str) -> None:
    assert money("amount", typed) == kept


@pytest.mark.parametrize("typed", ["0", "-5", "12.345", "lots", 1.5, True, "10000000.01"])
def test_bad_amounts_are_refused(typed: object) -> None:
    with pytest.raises(ValidationError):
        money("amount", typed)


def test_fiscal_years_run_from_their_first_month() -> None:
    assert fiscal_months(2027)[0] == "2027-01"
    july = fiscal_months(2027, first_month=7)
    assert (july[0], july[5], july[6], july[-1]) == ("2026-07", "2026-12", "2027-01", "2027-06")


def test_budget_against_actual_by_month() -> None:
    line = Line(LINE, 2026, "HIM", "Scanning", Decimal("1000.00"))
    spent = approved([
        {"id": "b", "line_id": LINE, "decided_on": "2026-03-04", "amount": "120.00",
         "status": "approved"},
        {"id": "a", "line_id": LINE, "decided_on": "2026-03-01", "amount": "30.50",
         "status": "approved"},
        {"id": "c", "line_id": LINE, "decided_on": "2026-03-02", "amount": "999.00",
         "status": "refused"},
    ])
    assert [s.id for s in spent] == ["a", "b"]
    rows = budget_vs_actual([line], spent)
    assert len(rows) == 12
    # 1000 / 12 = 83.33 a month; December takes the remaining 83.37.
    assert (rows[0].budget, rows[-1].budget) == (Decimal("83.33"), Decimal("83.37"))
    march = rows[2]
    assert (march.month, march.actual, march.variance) == ("2026-03", Decimal("150.50"),
                                                           Decimal("-67.17"))
    assert (march.cumulative_budget, march.cumulative_actual) == (Decimal("249.99"),
                                                                  Decimal("150.50"))
    assert rows[-1].cumulative_budget == Decimal("1000.00")


def _facts(limit: str = "2500.00") -> CaseFacts:
    line = Named("budget_line", LINE, {"fiscal_year": 2026, "department": "HIM",
                                       "account": "Scanning", "amount": "9000.00"})
    return CaseFacts(today=date(2026, 11, 10), records={LINE: line},
                     expenditure_limit=Decimal(limit))


def _request(amount: str) -> dict[str, object]:
    spec = RECORDS_COMMANDS["request_expenditure"]
    args = spec.clean_args({"expenditure_id": REQ, "line_id": LINE, "amount": amount,
                            "vendor": "Iron Mountain", "justification": "Box retrieval",
                            "requested_on": "2026-11-09"})
    return spec.apply(None, args, _facts(), USER)


def test_a_request_above_the_limit_waits_for_the_region() -> None:
    case = _request("4800.00")
    assert (case["status"], case["_decider"]) == ("pending", "regional_manager")
    decide = {"expenditure_id": REQ, "decision": "approved", "decided_on": "2026-11-10"}
    with pytest.raises(Refused, match="regional manager decides it"):
        RECORDS_COMMANDS["decide_expenditure"].apply(case, decide, _facts(), USER)
    after = RECORDS_COMMANDS["decide_expenditure_above_limit"].apply(case, decide, _facts(),
                                                                     "portal:rm_north")
    assert (after["status"], after["decided_by"]) == ("approved", "portal:rm_north")
    with pytest.raises(Refused, match="already approved"):
        RECORDS_COMMANDS["decide_expenditure_above_limit"].apply(after, decide, _facts(), USER)
    # A facility with a higher limit: the same request is the records manager's.
    RECORDS_COMMANDS["decide_expenditure"].apply(case, decide, _facts("5000"), USER)


def test_a_refusal_says_why_and_a_request_needs_its_line() -> None:
    case = _request("40.00")
    refuse = {"expenditure_id": REQ, "decision": "refused", "decided_on": "2026-11-10"}
    with pytest.raises(ValidationError, match="say why"):
        RECORDS_COMMANDS["decide_expenditure"].apply(case, refuse, _facts(), USER)
    after = RECORDS_COMMANDS["decide_expenditure"].apply(
        case, {**refuse, "reason": "use the contract vendor"}, _facts(), USER)
    assert (after["status"], after["decision_reason"]) == ("refused", "use the contract vendor")
    spec = RECORDS_COMMANDS["request_expenditure"]
    args = spec.clean_args({"expenditure_id": REQ, "line_id": REQ, "amount": "5",
                            "vendor": "X", "justification": "Y", "requested_on": "2026-11-09"})
    with pytest.raises(Refused, match="no such budget line"):
        spec.apply(None, args, _facts(), USER)
