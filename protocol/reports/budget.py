"""Budget against actual as a report: the rows the portal's CSV writes, as a PDF.

One row per budget line and month of its fiscal year — the month's share of the
budget, the approved spending booked in it, the variance, and both to date
(:func:`protocol.rules.department.budget.budget_vs_actual`). Amounts are
printed as the CSV prints them, so a figure read from the PDF is found in the
CSV. A row whose spending to date is over the budget to date is printed in red;
the summary gives the year's totals.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from protocol.rules.department.budget import LineMonth

from .model import Column, Report, ReportMeta

NAME = "budget-vs-actual"
TITLE = "Budget against actual"

NOT_COUNTED = ("Actual is the approved spending booked in its month; a request still pending "
               "or refused is not counted.")

COLUMNS = (
    Column("fiscal_year", "Fiscal year", width=0.7), Column("department", "Department",
                                                            width=1.4),
    Column("account", "Account", width=1.4), Column("month", "Month", width=0.7),
    Column("budget", "Budget", True), Column("actual", "Actual", True),
    Column("variance", "Variance", True), Column("cumulative_budget", "Budget to date", True),
    Column("cumulative_actual", "Actual to date", True),
)


def amount(value: Decimal) -> str:
    """Dollars as every cell of the report prints them: always two decimals, so a month
    with nothing spent reads ``0.00`` beside ``1500.00``, not ``0``."""
    return f"{value:.2f}"


def _row(m: LineMonth) -> tuple[str, ...]:
    return (str(m.line.fiscal_year), m.line.department, m.line.account, m.month,
            amount(m.budget), amount(m.actual), amount(m.variance),
            amount(m.cumulative_budget), amount(m.cumulative_actual))


def period(months: Sequence[LineMonth], today: date) -> tuple[date, date]:
    """From the first day of the first month to the last day of the last; with no
    budget line, the calendar year of ``today``. The report's period, and the one
    the audit entry of its download names."""
    if not months:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    first, last = min(m.month for m in months), max(m.month for m in months)
    year, month = int(last[:4]), int(last[5:7])
    return (date(int(first[:4]), int(first[5:7]), 1),
            date(year, month, calendar.monthrange(year, month)[1]))


def budget_report(months: Sequence[LineMonth], *, facility_id: str, facility_name: str,
                  state_code: str, meta: ReportMeta, today: date) -> Report:
    """The report of these line-months (all of a facility's lines, every month)."""
    start, end = period(months, today)
    budget = sum((m.budget for m in months), Decimal(0))
    actual = sum((m.actual for m in months), Decimal(0))
    over = frozenset(i for i, m in enumerate(months)
                     if m.cumulative_actual > m.cumulative_budget)
    lines = len({m.line.id for m in months})
    return Report(
        name=NAME, title=TITLE, facility_id=facility_id, facility_name=facility_name,
        state_code=state_code, start=start, end=end, profile="", day_start="",
        columns=COLUMNS, rows=tuple(_row(m) for m in months), meta=meta,
        summary=(("Budget lines", str(lines)), ("Budget", amount(budget)),
                 ("Approved spending", amount(actual)), ("Remaining", amount(budget - actual)),
                 ("Months over budget to date (in red)", str(len(over)))),
        notes=(NOT_COUNTED,),
        failing=over, context="approved spending against each line's budget, by month")
