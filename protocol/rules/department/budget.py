"""Budget lines, expenditure requests and who may decide them.

A facility's records department has budget lines per department and fiscal
year. A clerk or records manager asks to spend against a line; the records
manager decides requests up to the facility's approval limit, the regional
manager (in the portal) decides those above it. The limit is data: the
facility record's ``expenditure_limit`` when set, else :data:`DEFAULT_LIMIT`.

The same :func:`check_decider` refuses a records manager at the terminal (before
the decision is saved offline) and at the server; the journal and the budget
against actual by line and month are computed here from the records alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from protocol.errors import Refused, ValidationError
from protocol.reasons import Reason
from protocol.records import Role

DEFAULT_LIMIT = Decimal("2500.00")
"""What a records manager may approve alone when the facility sets no limit."""
MAX_AMOUNT = Decimal("10000000.00")
DECIDERS = (Role.RECORDS_MANAGER, Role.REGIONAL_MANAGER)


def money(name: str, value: Any) -> str:
    """Dollars as text with at most two decimals, more than 0 and at most 10 million;
    kept as ``"1234.50"`` (never a float)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(name, "must be an amount in dollars such as 1250.00")
    text = str(value).strip().replace(",", "").removeprefix("$")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(name, "must be an amount in dollars such as 1250.00") from None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise ValidationError(name, "may have at most two decimals (cents)")
    if not Decimal(0) < amount <= MAX_AMOUNT:
        raise ValidationError(name, "must be more than 0 and at most 10,000,000.00")
    return f"{amount:.2f}"


def dollars(amount: Decimal | str) -> str:
    """``$12,500.00``: how an amount is shown."""
    return f"${Decimal(amount):,.2f}"


def limit_of(facility: Mapping[str, Any]) -> Decimal:
    """The facility's approval limit (its record's ``expenditure_limit``), else the default.
    A bad stored value falls back to the default rather than failing a decision."""
    raw = facility.get("expenditure_limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        return Decimal(money("expenditure_limit", raw))
    except ValidationError:
        return DEFAULT_LIMIT


def decider_for(amount: Decimal | str, limit: Decimal) -> Role:
    """Who decides a request: the records manager up to the limit (inclusive), the
    regional manager above it."""
    return Role.RECORDS_MANAGER if Decimal(amount) <= limit else Role.REGIONAL_MANAGER


def check_decider(role: Role | str, amount: Decimal | str, limit: Decimal) -> None:
    """Refuse (``not_permitted``) a decision by anyone but the one who decides it."""
    needed = decider_for(amount, limit)
    if Role(role) is needed:
        return
    if needed is Role.REGIONAL_MANAGER:
        raise Refused(Reason.NOT_PERMITTED,
                      f"{dollars(amount)} is above the records manager's limit of "
                      f"{dollars(limit)}: the regional manager decides it in the portal")
    raise Refused(Reason.NOT_PERMITTED,
                  f"{dollars(amount)} is within the records manager's limit of "
                  f"{dollars(limit)}: the facility's records manager decides it")


@dataclass(frozen=True)
class Line:
    id: str
    fiscal_year: int
    department: str
    account: str
    amount: Decimal


@dataclass(frozen=True)
class Spent:
    """An approved expenditure, as the journal lists it."""

    id: str
    line_id: str
    on: str
    """The day it was approved (``YYYY-MM-DD``)."""
    amount: Decimal
    vendor: str
    decided_by: str


def approved(expenditures: Iterable[Mapping[str, Any]]) -> list[Spent]:
    """The journal of approved spending: approved requests by approval day, then id.
    Each mapping is an expenditure record's data with its ``id``."""
    out = [Spent(str(e["id"]), str(e["line_id"]), str(e["decided_on"]),
                 Decimal(str(e["amount"])), str(e.get("vendor") or ""),
                 str(e.get("decided_by") or ""))
           for e in expenditures if e.get("status") == "approved"]
    return sorted(out, key=lambda s: (s.on, s.id))


@dataclass(frozen=True)
class LineMonth:
    line: Line
    month: str
    """``YYYY-MM``."""
    budget: Decimal
    """A twelfth of the year's amount (the last month takes what rounding left)."""
    actual: Decimal
    cumulative_budget: Decimal
    cumulative_actual: Decimal

    @property
    def variance(self) -> Decimal:
        return self.budget - self.actual


def fiscal_months(fiscal_year: int, first_month: int = 1) -> list[str]:
    """The twelve ``YYYY-MM`` of a fiscal year named by the calendar year it ends in
    (``first_month`` 7: July of the year before to June)."""
    start_year = fiscal_year if first_month == 1 else fiscal_year - 1
    months = []
    for i in range(12):
        m = first_month - 1 + i
        months.append(f"{start_year + m // 12:04d}-{m % 12 + 1:02d}")
    return months


def budget_vs_actual(lines: Iterable[Line], spent: Iterable[Spent], *,
                     first_month: int = 1) -> list[LineMonth]:
    """Budget against actual by line and month of each line's fiscal year."""
    by_line: dict[tuple[str, str], Decimal] = {}
    for s in spent:
        key = (s.line_id, s.on[:7])
        by_line[key] = by_line.get(key, Decimal(0)) + s.amount
    rows = []
    for line in sorted(lines, key=lambda ln: (ln.fiscal_year, ln.department, ln.account)):
        monthly = (line.amount / 12).quantize(Decimal("0.01"))
        cum_b = cum_a = Decimal(0)
        months = fiscal_months(line.fiscal_year, first_month)
        for i, month in enumerate(months):
            budget = line.amount - monthly * 11 if i == len(months) - 1 else monthly
            actual = by_line.get((line.id, month), Decimal(0))
            cum_b, cum_a = cum_b + budget, cum_a + actual
            rows.append(LineMonth(line, month, budget, actual, cum_b, cum_a))
    return rows


def line_of(line_id: str, data: Mapping[str, Any]) -> Line:
    return Line(line_id, int(data["fiscal_year"]), str(data["department"]),
                str(data["account"]), Decimal(str(data["amount"])))


def committed(line_id: str, expenditures: Iterable[Mapping[str, Any]]) -> Decimal:
    """What is approved or pending against a line."""
    return sum((Decimal(str(e["amount"])) for e in expenditures
                if e.get("line_id") == line_id and e.get("status") in ("approved", "pending")),
               Decimal(0))
