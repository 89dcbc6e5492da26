"""The department's budget and spending at the terminal, offline: budget lines,
expenditure requests and the records manager's decisions, the journal of
approved spending and budget against actual by line and month.

Every command goes through :class:`~client.records.casework.Casework`, so it is
checked by the rule the server applies — a records manager deciding a request
above the facility's limit is refused here, before anything is saved, with the
server's reason and sentence (the regional manager decides it in the portal).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from protocol.records import RecordKind
from protocol.rules.department.budget import (
    LineMonth,
    Spent,
    approved,
    budget_vs_actual,
    committed,
    limit_of,
    line_of,
)

from .area import Area
from .casework import Casework


class Spending(Area):
    """``session.spending``."""

    def _casework(self) -> Casework:
        return Casework(self._actor)

    def limit(self) -> Decimal:
        """What the records manager may approve alone at this facility."""
        cw = self._casework()
        with self.actor.store.read() as conn:
            return limit_of(cw._facility(conn))  # noqa: SLF001 — the same facility read

    # --- commands ------------------------------------------------------------------------------

    def set_line(self, *, fiscal_year: int, department: str, account: str,
                 amount: str) -> str:
        cw = self._casework()
        return cw.command("set_budget_line", {
            "line_id": cw.new_id(), "fiscal_year": fiscal_year, "department": department,
            "account": account, "amount": amount},
            summary=f"Budget line {department} — {account} FY{fiscal_year}")

    def revise_line(self, line_id: str, *, amount: str, reason: str) -> str:
        return self._casework().command("revise_budget_line", {
            "line_id": line_id, "amount": amount, "reason": reason})

    def request(self, line_id: str, *, amount: str, vendor: str, justification: str,
                requested_on: str, attachments: list[str] | None = None) -> str:
        cw = self._casework()
        return cw.command("request_expenditure", {
            "expenditure_id": cw.new_id(), "line_id": line_id, "amount": amount,
            "vendor": vendor, "justification": justification, "requested_on": requested_on,
            "attachments": attachments}, summary=f"Expenditure request — {vendor} {amount}")

    def decide(self, expenditure_id: str, *, decision: str, decided_on: str,
               reason: str | None = None) -> str:
        """Approve or refuse (``decision`` ``approved`` / ``refused``) a request within
        the limit; :class:`~client.errors.InputError` ``not_permitted`` above it."""
        return self._casework().command("decide_expenditure", {
            "expenditure_id": expenditure_id, "decision": decision,
            "decided_on": decided_on, "reason": reason})

    # --- lists ---------------------------------------------------------------------------------

    def lines(self) -> list[dict[str, Any]]:
        """Budget lines with what is committed (approved or pending) and what remains."""
        cw = self._casework()
        spent = self.requests()
        out = []
        for n in cw.cases(RecordKind.BUDGET_LINE):
            used = committed(n.id, spent)
            out.append({**n.data, "id": n.id, "committed": used,
                        "remaining": Decimal(str(n.data["amount"])) - used})
        return sorted(out, key=lambda ln: (ln["fiscal_year"], ln["department"], ln["account"]))

    def requests(self) -> list[dict[str, Any]]:
        """Expenditure requests, pending first, then newest first."""
        rows = [{**n.data, "id": n.id} for n in self._casework().cases(RecordKind.EXPENDITURE)]
        return sorted(rows, key=lambda r: (r.get("status") != "pending",
                                           _neg(str(r.get("requested_on", "")))))

    def journal(self) -> list[Spent]:
        return approved(self.requests())

    def budget_vs_actual(self) -> list[LineMonth]:
        return budget_vs_actual([line_of(str(ln["id"]), ln) for ln in self.lines()],
                                self.journal())


def _neg(day: str) -> str:
    """Sorts dates newest first inside an ascending sort."""
    return "".join(chr(255 - ord(c)) for c in day)
