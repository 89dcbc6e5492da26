"""The department's spending as the region sees it: each facility's budget
lines, expenditure requests and the journal of approved spending, budget
against actual by line and month, and the regional manager's decision on a
request above the facility's limit.

A decision runs the very command a terminal would send
(``decide_expenditure_above_limit``, :mod:`protocol.rules.records.commands.expenditures`)
through the server's one records-command handler, so the rule that refuses a
records manager at the terminal is the rule applied here; the change reaches
the facility's terminals at their next pull and the audit entry names the
regional manager, the time and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.commands import RECORDS_COMMANDS
from protocol.errors import SchemaError, ValidationError
from protocol.ids import is_id
from protocol.ops import OpStatus
from protocol.records import RecordKind
from protocol.rules.department.budget import (
    LineMonth,
    Spent,
    approved,
    budget_vs_actual,
    committed,
    limit_of,
    line_of,
    money,
)
from protocol.rules.records.facility_time import local_now_ms
from server.commands import casework
from server.commands.context import Context
from server.core.facility_names import publish
from server.errors import NotFound
from server.settings import Settings
from server.storage.batch import Batch, with_facility_locks
from server.storage.db import read_tx, write_tx
from server.storage.models import T

from .actor_names import actor_names
from .errors import InputInvalid
from .principals import PortalRole, Principal
from .scope import FacilityRef
from .scope import facility as facility_in_scope

COMMAND = "decide_expenditure_above_limit"


@dataclass(frozen=True)
class Spending:
    facility: FacilityRef
    limit: Decimal
    lines: list[dict[str, Any]]
    """Each line's data with ``id``, ``committed`` and ``remaining``."""
    requests: list[dict[str, Any]]
    """Each request's data with ``id`` and ``account``, pending first, newest first."""
    journal: list[Spent]
    months: list[LineMonth]
    names: dict[str, str]
    """Who asked for and who decided each request, in words
    (:func:`.actor_names.actor_names`)."""

    @property
    def awaiting_region(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("status") == "pending"
                and r.get("_decider") == "regional_manager"]


def _rows(conn: Connection, facility_id: str, kind: RecordKind) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(T.records.c.id, T.records.c.data).where(
        T.records.c.facility_id == facility_id, T.records.c.kind == str(kind))).all()
    return [{**(r.data or {}), "id": r.id} for r in rows]


def spending(conn: Connection, who: Principal, facility_id: str) -> Spending:
    """Everything the spending page shows of one facility in scope."""
    ref = facility_in_scope(conn, who, facility_id)
    facility = conn.execute(sa.select(T.records.c.data).where(
        T.records.c.id == facility_id)).scalar()
    lines = _rows(conn, facility_id, RecordKind.BUDGET_LINE)
    requests = _rows(conn, facility_id, RecordKind.EXPENDITURE)
    accounts = {ln["id"]: f"{ln['department']} — {ln['account']} (FY{ln['fiscal_year']})"
                for ln in lines}
    for ln in lines:
        used = committed(ln["id"], requests)
        ln["committed"], ln["remaining"] = used, Decimal(str(ln["amount"])) - used
    for req in requests:
        req["account"] = accounts.get(req.get("line_id", ""), "—")
    requests.sort(key=lambda r: (r.get("status") != "pending", r.get("requested_on", "")),
                  reverse=False)
    journal = approved(requests)
    months = budget_vs_actual([line_of(ln["id"], ln) for ln in lines], journal)
    names = actor_names(conn, [r.get(actor) for r in requests
                               for actor in ("requested_by", "decided_by")])
    return Spending(ref, limit_of(facility or {}), sorted(
        lines, key=lambda ln: (ln["fiscal_year"], ln["department"], ln["account"])),
        requests, journal, months, names)


def decide(engine: Engine, settings: Settings, who: Principal, *, facility_id: str,
           expenditure_id: str, decision: str, reason: str) -> str:
    """The regional manager approves or refuses a request above the facility's
    limit; returns the outcome in words. Only a regional manager decides; a
    request within the limit is the records manager's (refused by the rule)."""
    if who.role is not PortalRole.REGIONAL_MANAGER:
        raise NotFound("There is no such page.")
    with read_tx(engine) as conn:
        facility_in_scope(conn, who, facility_id)
    if not is_id(expenditure_id):
        raise NotFound("There is no such expenditure request.")
    if decision not in ("approved", "refused"):
        raise InputInvalid("decision", "Choose approve or refuse.")
    return with_facility_locks(
        lambda extra: _decide_once(engine, settings, who, facility_id, expenditure_id,
                                   decision, reason, extra), set(), "the decision")


def _decide_once(engine: Engine, settings: Settings, who: Principal, facility_id: str,
                 expenditure_id: str, decision: str, reason: str, extra: set[str]) -> str:
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, {facility_id, *extra}, now)
        facility = batch.get(facility_id, str(RecordKind.FACILITY))
        # The facility's own date, not the latest any facility has reached: a
        # facility behind UTC would otherwise see a decision dated tomorrow.
        today = local_now_ms(facility.data if facility else {}, now).date()
        args = {"expenditure_id": expenditure_id, "decision": decision,
                "decided_on": today.isoformat()}
        if reason.strip():
            args["reason"] = reason.strip()
        try:
            clean = RECORDS_COMMANDS[COMMAND].clean_args(args)
        except (ValidationError, SchemaError) as exc:
            raise InputInvalid("reason", str(exc)) from None
        outcome = casework.run(Context(batch, facility_id), COMMAND, clean, who.actor)
        batch.chain(facility_id).append(
            at=now, action=f"portal:{COMMAND}", outcome=str(outcome.status),
            actor=who.actor, facility_id=facility_id, target=expenditure_id,
            detail={"decision": decision, "reason": clean.get("reason", ""),
                    **({"refused": outcome.reason, "why": outcome.detail}
                       if outcome.status is not OpStatus.APPLIED else {})})
        batch.write()
    if outcome.status is not OpStatus.APPLIED:
        if outcome.reason in ("not_found", "not_owner"):
            raise NotFound("There is no such expenditure request.")
        raise InputInvalid("decision", outcome.detail or str(outcome.reason))
    return decision


def set_limit(engine: Engine, settings: Settings, who: Principal, *, facility_id: str,
              limit: str) -> Decimal:
    """Set what the facility's records manager may approve alone (a regional manager
    of the facility, or an administrator); the facility record carries it to the
    terminals at their next pull. Audited (``portal:set_expenditure_limit``)."""
    if who.role is PortalRole.INSPECTOR:
        raise NotFound("There is no such page.")
    with read_tx(engine) as conn:
        facility_in_scope(conn, who, facility_id)
    try:
        amount = money("expenditure_limit", limit)
    except ValidationError as exc:
        raise InputInvalid("limit", f"The limit {exc.reason}.") from None
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, [facility_id], now)
        rec = batch.get(facility_id, str(RecordKind.FACILITY))
        if rec is None:
            raise NotFound("There is no such facility.")
        before = rec.data.get("expenditure_limit")
        rec.data["expenditure_limit"] = amount
        publish(batch, rec, new=False)
        batch.chain(facility_id).append(
            at=now, action="portal:set_expenditure_limit", outcome="applied",
            actor=who.actor, facility_id=facility_id, target=facility_id,
            detail={"from": before, "to": amount})
        batch.write()
    return Decimal(amount)
