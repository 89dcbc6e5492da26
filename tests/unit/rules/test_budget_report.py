"""Budget against actual as a report: the CSV's figures, the year's totals, and
the months over budget to date marked (printed in red)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from protocol.reports.budget import budget_report
from protocol.reports.model import ReportMeta
from protocol.rules.department.budget import Line, Spent, budget_vs_actual

LINE = Line("L1", 2026, "HIM", "Scanning", Decimal("1200.00"))
META = ReportMeta(produced_at="2026-09-21 10:00", data_as_of="change 7")


def test_months_over_budget_to_date_are_marked_and_totals_add_up() -> None:
    # 100.00 a month; 250.00 spent in February: to date 250 against 200 there (over),
    # against 300 in March (not over any more).
    spent = [Spent("E1", "L1", "2026-02-10", Decimal("250.00"), "Uline", "rm")]
    months = budget_vs_actual([LINE], spent)
    report = budget_report(months, facility_id="F", facility_name="Maple Grove",
                           state_code="OH", meta=META, today=date(2026, 9, 21))
    assert (report.start, report.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert report.rows[1] == ("2026", "HIM", "Scanning", "2026-02", "100.00", "250.00",
                              "-150.00", "200.00", "250.00")
    # Nothing spent in January reads 0.00 beside 100.00, not 0.
    assert report.rows[0][4:] == ("100.00", "0.00", "100.00", "100.00", "0.00")
    assert report.failing == frozenset({1})
    assert dict(report.summary)["Budget"] == "1200.00"
    assert dict(report.summary)["Remaining"] == "950.00"
    assert report.header_lines()[1] == ("Period 2026-01-01 to 2026-12-31 · approved spending "
                                        "against each line's budget, by month")


def test_no_lines_is_a_year_with_nothing_in_it() -> None:
    report = budget_report([], facility_id="F", facility_name="Maple Grove", state_code="OH",
                           meta=META, today=date(2026, 9, 21))
    assert (report.rows, report.start, report.end) == ((), date(2026, 1, 1),
                                                       date(2026, 12, 31))
