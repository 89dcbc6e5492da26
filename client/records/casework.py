"""The records department's casework at the terminal, offline: requests for
records and releases, disclosures, amendment requests, completeness reviews,
legal holds and destruction, and the department's due list.

Every command is checked here by the same rule the server applies
(:mod:`protocol.rules.records.commands`), with the facts this terminal holds,
and refused at entry with the server's reason; saved, it shows at once as the
command's own effect makes it, and syncs like every other operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.commands import RECORDS_COMMANDS, CaseFacts, CaseSpec, Named
from protocol.errors import Refused, SchemaError, ValidationError
from protocol.ids import new_id
from protocol.ops import REASON_TEXT, OpType
from protocol.records import CASE_KINDS, RecordKind, resident_display_name
from protocol.rules.department.budget import limit_of
from protocol.rules.records.commands.completeness import (
    DEFAULT_CHECKLIST,
    deficiencies_for,
    review_at_discharge,
)
from protocol.rules.records.commands.reading import (
    closed_record_of,
    disclosure_of,
    facility_checklist,
    facility_profile,
    hold_of,
    review_of,
    suspension_of,
)
from protocol.rules.records.commands.requests import release_basis
from protocol.rules.records.commands.spec import named_ids
from protocol.rules.records.completeness import Checklist, MonthlyDelinquency, monthly_delinquency
from protocol.rules.records.disclosures import Accounting, accounting, accounting_period
from protocol.rules.records.due_list import DueItem, due_items, status_line
from protocol.rules.records.facility_time import local_now
from protocol.rules.records.profile import RecordsProfile
from protocol.rules.records.reasons import RECORDS_REASON_TEXT
from protocol.rules.records.retention import RetentionSchedule, retention_schedule

from ..errors import InputError
from ..store.database import RECORDS, loads
from ..store.departures import departures
from ..store.outbox import input_error, record_op
from .area import Area
from .case_reads import about as _about
from .case_reads import by_ids as _by_ids
from .case_reads import departed_named, shown_rows
from .case_reads import identity as _identity
from .permissions import require_permitted


class Casework(Area):
    """``session.casework``: the records department's commands and lists."""

    # --- the facility's settings ---------------------------------------------------------------

    def _facility(self, conn: Connection) -> Mapping[str, Any]:
        row = conn.execute(sa.select(RECORDS.c.data).where(
            RECORDS.c.id == self.actor.facility_id)).first()
        return (loads(row.data) or {}) if row is not None and row.data else {}

    def _wall_clock(self, conn: Connection, now: datetime | None) -> datetime:
        if now is not None and now.tzinfo is None:
            return now
        return local_now(self._facility(conn), now or self.actor.clock.now())

    def profile(self) -> RecordsProfile:
        with self.actor.store.read() as conn:
            return facility_profile(self._facility(conn))

    def checklist(self) -> Checklist:
        with self.actor.store.read() as conn:
            return facility_checklist(self._facility(conn)) or DEFAULT_CHECKLIST

    def _facts(self, conn: Connection, args: Mapping[str, Any],
               case: Mapping[str, Any] | None) -> CaseFacts:
        facility = self._facility(conn)
        ids = named_ids(args) + (named_ids(case) if case else [])
        records = _by_ids(conn, ids)
        subjects = [i for i, n in records.items()
                    if n.kind in (RecordKind.RESIDENT, RecordKind.STAFF)]
        departed = departed_named(conn, [i for i in ids if i not in records])
        return CaseFacts(today=self.actor.clock.today(), profile=facility_profile(facility),
                         checklist=facility_checklist(facility), records=records,
                         about=_about(conn, subjects),
                         expenditure_limit=limit_of(facility), departed=departed)

    # --- any command ---------------------------------------------------------------------------

    def command(self, name: str, args: Mapping[str, Any], *, summary: str = "") -> str:
        """Check a records command by the server's rule, then record it; returns
        the id of the case it acts on. :class:`InputError` names what is wrong."""
        return self._command(name, args, summary=summary, record=True)

    def check(self, name: str, args: Mapping[str, Any]) -> None:
        """Check a records command as :meth:`command` does, without recording it."""
        self._command(name, args, summary="", record=False)

    def _command(self, name: str, args: Mapping[str, Any], *, summary: str,
                 record: bool) -> str:
        actor = self.actor
        spec = RECORDS_COMMANDS.get(name)
        if spec is None:
            raise InputError("", f"There is no records command called {name!r}.")
        require_permitted(actor.user, OpType.COMMAND, spec.kind, what=spec.what, command=name)
        try:
            clean = spec.clean_args({k: v for k, v in args.items() if v is not None})
        except (ValidationError, SchemaError) as exc:
            raise input_error(exc) from None
        target = clean[spec.target]
        with actor.store.read() as conn:
            before = _by_ids(conn, [target]).get(target)
            if spec.creates and before is not None:
                raise InputError(spec.target, "That record already exists.",
                                 reason="already_exists")
            if not spec.creates and (before is None or before.kind != spec.kind):
                raise InputError(spec.target, f"That {_words(spec.kind)} is not at this "
                                 "terminal.", reason="not_found")
            facts = self._facts(conn, clean, before.data if before else None)
        _check(spec, dict(before.data) if before else None, clean, facts)
        if not record:
            return str(target)
        resident = clean.get("resident_id") or (before.data.get("resident_id") if before
                                                else None)
        name_of = _resident_name(facts, resident)
        record_op(actor, OpType.COMMAND, {"name": name, "args": clean},
                  summary=summary or f"{spec.what.capitalize()}"
                  + (f" — {name_of}" if name_of else ""),
                  subject_id=resident if isinstance(resident, str) else None)
        return str(target)

    def new_id(self) -> str:
        return new_id(self.actor.clock.ms())

    # --- the commands that start a case ---------------------------------------------------

    def open_request(self, resident_id: str, **args: Any) -> str:
        """A request for the resident's records; ``current_resident`` defaults to
        whether the resident is in house (or on leave) now."""
        if "current_resident" not in args:
            with self.actor.store.read() as conn:
                resident = _by_ids(conn, [resident_id]).get(resident_id)
            census = (resident.data.get("_census") if resident else None) or ""
            args["current_resident"] = census in ("in_house", "awaiting_bed", "on_leave",
                                                  "in_hospital")
        return self.command("open_request", {"request_id": self.new_id(),
                                             "resident_id": resident_id, **args})

    def release_records(self, request_id: str, **args: Any) -> str:
        """Release what was asked; the disclosure it logs gets its own id (returned)."""
        disclosure_id = self.new_id()
        self.command("release_records", {"request_id": request_id,
                                         "disclosure_id": disclosure_id, **args})
        return disclosure_id

    def log_disclosure(self, resident_id: str, **args: Any) -> str:
        return self.command("log_disclosure", {"disclosure_id": self.new_id(),
                                               "resident_id": resident_id, **args})

    def suspend_accounting(self, **args: Any) -> str:
        return self.command("suspend_accounting", {"suspension_id": self.new_id(), **args})

    def request_amendment(self, resident_id: str, **args: Any) -> str:
        return self.command("request_amendment", {"amendment_id": self.new_id(),
                                                  "resident_id": resident_id, **args})

    def open_review(self, resident_id: str, *, discharged_on: str,
                    disposition: str | None = None, present: list[str] | None = None,
                    stay_id: str | None = None) -> str:
        """Open the completeness review of a discharge: a deficiency for each
        document of the facility's checklist not ``present``."""
        wanted = deficiencies_for(self.checklist(), disposition, list(present or []))
        return self.command("open_review", {
            "review_id": self.new_id(), "resident_id": resident_id, "stay_id": stay_id,
            "discharged_on": discharged_on, "disposition": disposition,
            "present": list(present or []), "deficiencies": wanted})

    def open_at_discharge(self, stay_id: str) -> str:
        """Open the review a discharge opens by itself (recorded right after the
        discharge, by the rule the server applies when the discharge reaches it:
        :func:`review_at_discharge`); returns the review's id."""
        with self.actor.store.read() as conn:
            stay = _by_ids(conn, [stay_id]).get(stay_id)
        if stay is None or stay.kind != RecordKind.STAY:
            raise InputError("stay_id", "That stay is not at this terminal.", reason="not_found")
        args = review_at_discharge(stay_id, stay.data, self.checklist())
        return self.command("open_review", args, summary="Open the completeness review of "
                            f"the discharge on {args['discharged_on']}")

    def place_hold(self, resident_id: str, **args: Any) -> str:
        return self.command("place_hold", {"hold_id": self.new_id(),
                                           "resident_id": resident_id, **args})

    def propose_destruction(self, resident_ids: list[str], *, listed_on: str) -> str:
        """List closed records for destruction (each as the terminal holds it)."""
        entries = []
        with self.actor.store.read() as conn:
            records = _by_ids(conn, resident_ids)
            about = _about(conn, resident_ids)
        for rid in resident_ids:
            resident = records.get(rid)
            stays = [n.data for n in about.get(rid, ()) if n.kind == RecordKind.STAY]
            closed = closed_record_of(rid, resident.data, stays) if resident else None
            if closed is None:
                raise InputError("records", "Only closed records (no current stay) can be "
                                 "listed for destruction.")
            entries.append({"resident_id": rid, "name": closed.name, "mrn": closed.mrn,
                            "first_date": closed.first_admitted_on.isoformat(),
                            "last_date": closed.last_discharged_on.isoformat()})
        return self.command("propose_destruction", {"destruction_id": self.new_id(),
                                                    "listed_on": listed_on,
                                                    "records": entries})

    # --- reading ------------------------------------------------------------------------------

    def cases(self, kind: RecordKind) -> list[Named]:
        """Every case of ``kind`` here, as shown (pending work on top), newest first."""
        with self.actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind == str(kind),
                RECORDS.c.facility_id == self.actor.facility_id)).all()
            named = shown_rows(conn, rows)
        return sorted(named, key=lambda n: n.id, reverse=True)

    def case(self, record_id: str) -> Named | None:
        with self.actor.store.read() as conn:
            return _by_ids(conn, [record_id]).get(record_id)

    def identity(self, resident_id: str) -> dict[str, Any] | None:
        """Who the resident is, here or transferred out (:func:`.case_reads.identity`)."""
        with self.actor.store.read() as conn:
            return _identity(conn, resident_id)

    def about(self, resident_id: str) -> tuple[Named, ...]:
        """Every record about the resident here (stays, notes, cases …), as shown."""
        with self.actor.store.read() as conn:
            return _about(conn, [resident_id]).get(resident_id, ())

    def release_packet(self, request_id: str, path: Path, *, parts: list[str],
                       entry_ids: list[str] | None = None,
                       released_on: str | None = None) -> Path:
        """Write the request's release packet (cover sheet + the chosen parts) as
        PDF to ``path`` (plaintext: the caller has warned the user); audited."""
        from .directory import user_names
        from .packets import write_packet

        with self.actor.store.read() as conn:
            names = user_names(conn)
        return write_packet(self, request_id, path, parts=parts, entry_ids=entry_ids or [],
                            released_on=released_on, user_names=names)

    def residents(self) -> dict[str, Mapping[str, Any]]:
        with self.actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind == str(RecordKind.RESIDENT),
                RECORDS.c.facility_id == self.actor.facility_id)).all()
            return {n.id: n.data for n in shown_rows(conn, rows) if n.status == "active"}

    def _stays(self) -> dict[str, list[Mapping[str, Any]]]:
        with self.actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind == str(RecordKind.STAY))).all()
            named = shown_rows(conn, rows)
        out: dict[str, list[Mapping[str, Any]]] = {}
        for n in named:
            out.setdefault(str(n.data.get("resident_id")), []).append(n.data)
        return out

    def due(self, now: datetime | None = None) -> list[DueItem]:
        """The department's due list, soonest first (see :mod:`protocol.rules.records.due_list`),
        judged on the facility's wall clock (``now``: a moment, default this
        terminal's clock; a naive one is taken as the facility's wall-clock time)."""
        with self.actor.store.read() as conn:
            moment = self._wall_clock(conn, now)
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind.in_([str(k) for k in CASE_KINDS]),
                RECORDS.c.facility_id == self.actor.facility_id)).all()
            cases = shown_rows(conn, rows)
            gone = departures(conn)
        residents = self.residents()
        items = due_items(cases, residents, self._stays(), self.profile(), moment)
        # Casework kept here about a resident transferred out (docs/rules.md §5.6,
        # N9): named as the facility kept them.
        return [replace(item, resident=f"{gone[item.resident_id].get('name')} "
                                       "(transferred out)")
                if item.resident_id not in residents and gone.get(
                    item.resident_id, {}).get("name") else item
                for item in items]

    def status_line(self, now: datetime | None = None) -> str:
        """The clocks of open requests, amendments and reviews in a few words
        (read from the case records alone, so it is cheap enough for the
        status line's polling)."""
        with self.actor.store.read() as conn:
            moment = self._wall_clock(conn, now)
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind.in_([str(k) for k in CASE_KINDS]),
                RECORDS.c.facility_id == self.actor.facility_id)).all()
            cases = shown_rows(conn, rows)
        return status_line(due_items(cases, {}, {}, self.profile(), moment), moment)

    def disclosures(self, resident_id: str) -> list[Mapping[str, Any]]:
        """The resident's logged disclosures, with those of releases not yet
        pulled from the server read from the release itself."""
        logged = [n for n in self.cases(RecordKind.DISCLOSURE)
                  if n.data.get("resident_id") == resident_id]
        seen = {n.id for n in logged}
        out = [dict(n.data, id=n.id) for n in logged]
        for request in self.cases(RecordKind.RECORD_REQUEST):
            if request.data.get("resident_id") != resident_id:
                continue
            out.extend(_release_disclosure(request, release)
                       for release in request.data.get("releases") or ()
                       if release["disclosure_id"] not in seen)
        return sorted(out, key=lambda d: (str(d["disclosed_on"]), str(d["id"])))

    def accounting(self, resident_id: str, request_on: date, *,
                   asked_from: date | None = None, asked_to: date | None = None) -> Accounting:
        """The accounting of the resident's disclosures for a request made on
        ``request_on``: 6 years back (or the shorter period asked), exclusions
        left out, suspensions applied as of today."""
        period = accounting_period(request_on, asked_from, asked_to)
        suspensions = [suspension_of(n.data)
                       for n in self.cases(RecordKind.ACCOUNTING_SUSPENSION)]
        return accounting([disclosure_of(d) for d in self.disclosures(resident_id)], period,
                          provided_on=self.actor.clock.today(), suspensions=suspensions)

    def accounting_document(self, resident_id: str, path: Path, *, request_on: date,
                            asked_from: date | None = None,
                            asked_to: date | None = None) -> tuple[Path, Path]:
        """Write the resident's accounting as PDF to ``path`` and as CSV beside it
        (plaintext: the caller has warned the user); audited."""
        from .accountings import write_accounting

        return write_accounting(self, resident_id, path, request_on=request_on,
                                asked_from=asked_from, asked_to=asked_to)

    def retention(self, resident_id: str) -> RetentionSchedule | None:
        """The closed record's retention schedule (None while a stay is current)."""
        with self.actor.store.read() as conn:
            resident = _by_ids(conn, [resident_id]).get(resident_id)
            about = _about(conn, [resident_id]).get(resident_id, ())
        if resident is None:
            return None
        closed = closed_record_of(resident_id, resident.data,
                                  [n.data for n in about if n.kind == RecordKind.STAY])
        return retention_schedule(closed, self.profile()) if closed else None

    def delinquency(self, year: int, month: int) -> MonthlyDelinquency:
        """The month's delinquency figures: records incomplete after the profile's
        days, against average monthly discharges (benchmark ≤ 50 %)."""
        reviews = [review_of(n.id, n.data)
                   for n in self.cases(RecordKind.COMPLETENESS_REVIEW)]
        return monthly_delinquency(reviews, year, month,
                                   days=self.profile().delinquent_after_days,
                                   as_of=self.actor.clock.today())

    def holds(self, resident_id: str) -> list[Any]:
        return [hold_of(n.data) for n in self.cases(RecordKind.LEGAL_HOLD)
                if n.data.get("resident_id") == resident_id]


def _release_disclosure(request: Named, release: Mapping[str, Any]) -> dict[str, Any]:
    d = request.data
    return {"id": release["disclosure_id"], "resident_id": d["resident_id"],
            "disclosed_on": release["released_on"], "basis": str(release_basis(d)),
            "recipient": d["requester"], "recipient_address": d.get("requester_address", ""),
            "description": release["description"], "purpose": d.get("why") or d["what"],
            "permitted": True, "business_associate": "", "request_id": request.id,
            "source": "release"}


def _check(spec: CaseSpec, before: dict[str, Any] | None, args: Mapping[str, Any],
           facts: CaseFacts) -> None:
    try:
        spec.check(before, args, facts)
    except Refused as refused:
        text = RECORDS_REASON_TEXT.get(refused.reason) or REASON_TEXT.get(refused.reason)
        detail = refused.detail if refused.detail != refused.reason else ""
        raise InputError("", " ".join(t for t in (text, detail) if t) or refused.reason,
                         reason=refused.reason) from None
    except ValidationError as exc:
        raise input_error(exc) from None


def _resident_name(facts: CaseFacts, resident_id: Any) -> str:
    found = facts.records.get(str(resident_id or ""))
    if found is None:
        return str(facts.departed.get(str(resident_id or ""), {}).get("name") or "")
    return resident_display_name(found.data)


def _words(kind: RecordKind) -> str:
    return str(kind).replace("_", " ")
