"""Licensure compliance at the terminal, offline, for its own facility only.

The terminal hands its records to the shared report definitions
(:mod:`protocol.reports`): the status, the due lists, the reports and the PBJ
file are the ones the server computes from the same records. Exporting writes
resident or staff data to a plaintext file, so it is always an explicit call,
recorded in the terminal's local audit (who, what, where); nothing is ever
written without one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.merge import DESTROYED
from protocol.reports.catalog import Reads, build_report
from protocol.reports.catalog import reads as report_reads
from protocol.reports.facts import FacilityFacts, HoursDays, Row
from protocol.reports.model import Report, ReportMeta
from protocol.reports.pbj_file import PbjResult, pbj_for
from protocol.reports.render import FORMATS, render
from protocol.reports.status import ComplianceStatus, compliance_status
from protocol.rules.calendar import Quarter
from protocol.rules.residents.departures import ANOTHER_FACILITY
from protocol.rules.residents.departures import KIND as TRANSFER_KIND

from ..errors import InputError
from ..store.database import RECORDS, audit, get_meta, loads
from ..store.departures import departures, transfers_of
from ..store.destroyed import destroyed_stays
from ..store.outbox import Actor
from ..store.overlay import combine, overlay_ops
from .area import Area
from .directory import facility_names
from .exported_files import write_owner_only

KINDS = ("facility", "bed", "resident", "stay", "assessment", "staff", "license", "hours",
         "training", "review", "registry_check", "paid_leave", "bulletin", "user")


def load_facts(conn: Connection, facility_id: str, facility_name: str = "", *,
               reads: Reads | None = None, hours_days: HoursDays | None = None
               ) -> FacilityFacts:
    """This facility's records as the terminal shows them (pending work on top); of
    the kinds ``reads`` names and the hours ``hours_days`` keeps, when given
    (:class:`protocol.reports.catalog.Reads`)."""
    kinds = KINDS if reads is None or reads.kinds is None else [
        k for k in KINDS if k in reads.kinds]
    facility = Row("facility", facility_id, {"name": facility_name})
    out = []
    for item in shown_rows(conn, sa.and_(RECORDS.c.kind.in_(kinds),
                                         RECORDS.c.facility_id == facility_id)):
        if item.kind == "facility" and item.id == facility_id:
            facility = item
        else:
            out.append(item)
    if "stay" in kinds:
        out += transfers_out(conn) + kept_destroyed(conn)
    last = get_meta(conn, "last_sync_at")
    synced = datetime.fromtimestamp(last / 1000, tz=UTC).astimezone() if last else None
    as_of = f"{synced:%Y-%m-%d %H:%M} (last sync)" if synced else "never synced"
    return FacilityFacts.from_rows(facility, out, data_as_of=as_of, hours_days=hours_days)


def shown_rows(conn: Connection, where: Any) -> list[Row]:
    """The records ``where`` names as the terminal shows them (pending work on
    top), as the reports' rows."""
    rows = conn.execute(sa.select(RECORDS).where(where)).all()
    ops = overlay_ops(conn, [r.id for r in rows if r.pending or r.data is None])
    out = []
    for row in rows:
        if row.id in ops:
            eff = combine(row.kind, row.id, row, ops[row.id])
            if eff.state is None:
                continue
            data, status = eff.state.data, eff.state.status
        else:
            data, status = loads(row.data) or {}, row.status
        out.append(Row(row.kind, row.id, data, status))
    return out


def kept_destroyed(conn: Connection) -> list[Row]:
    """What this facility keeps of the stays of charts it destroyed
    (:mod:`client.store.destroyed`): its census counts them as before."""
    return [Row("stay", stay_id, data, DESTROYED)
            for stay_id, data in destroyed_stays(conn).items()]


def transfers_out(conn: Connection, since: str = "") -> list[Row]:
    """The stays this facility transferred out, as kept when their records left
    (:mod:`client.store.departures`): for the reports' lists of departures, and its
    census and MDS due list up to the transfer. ``since`` (an ISO date): only the
    transfers from that day on, and so every stay of their residences admitted or
    ended since."""
    places = facility_names(conn)
    return [Row(TRANSFER_KIND, stay_id, {
        "resident_id": rid, "name": facts.get("name"), "mrn": facts.get("mrn"),
        "admitted_at": t.get("admitted_at"), "left_on": t.get("left_on"),
        "destination": places.get(str(t.get("to_facility_id")), ANOTHER_FACILITY),
        "stay": t.get("stay") or {}, "assessments": facts.get("assessments") or {},
        "stays": facts.get("stays") or {}})
        for rid, facts in departures(conn, destroyed=True).items()
        for stay_id, t in sorted(transfers_of(facts).items())
        if str(t.get("left_on") or "") >= since]


class Compliance(Area):
    """``session.compliance``: status, due lists, reports and the PBJ file."""

    def __init__(self, actor: Callable[[], Actor], facility_name: str = "") -> None:
        super().__init__(actor)
        self._facility_name = facility_name

    def facts(self, reads: Reads | None = None, hours_days: HoursDays | None = None
              ) -> FacilityFacts:
        actor = self.actor
        with actor.store.read() as conn:
            return load_facts(conn, actor.facility_id, self._facility_name, reads=reads,
                              hours_days=hours_days)

    def status(self) -> ComplianceStatus:
        """Today's status in words, the 14-day staffing chart and the due lists."""
        return compliance_status(self.facts(), self.actor.clock.today())

    def report(self, name: str, start: date, end: date) -> Report:
        """A report over ``start``–``end`` (see ``protocol.reports.catalog``)."""
        actor = self.actor
        if end < start:
            raise InputError("end", "The period ends before it starts.")
        read = report_reads(name)
        facts = self.facts(read, read.hours_days(start, end, actor.clock.today()))
        try:
            return build_report(name, facts, start, end, today=actor.clock.today(),
                                meta=ReportMeta(
                                    produced_at=actor.clock.now().strftime("%Y-%m-%d %H:%M"),
                                    data_as_of=facts.data_as_of,
                                    produced_by=actor.user.username))
        except ValueError as exc:
            raise InputError("name", str(exc)) from None

    def pbj(self, quarter: Quarter) -> PbjResult:
        return pbj_for(self.facts(), quarter, today=self.actor.clock.today())

    # --- exports: explicit, audited, plaintext ---------------------------------------------

    def export_report(self, name: str, start: date, end: date, fmt: str, path: Path) -> Path:
        """Write a report as PDF, CSV or JSON to ``path`` (plaintext: the caller has
        warned the clerk); recorded in the local audit."""
        if fmt not in FORMATS:
            raise InputError("format", f"The format is one of {', '.join(FORMATS)}.")
        report = self.report(name, start, end)
        return self._write(path, render(report, fmt), what=f"report {name} {fmt} "
                           f"{report.period}")

    def export_pbj(self, quarter: Quarter, path: Path) -> PbjResult:
        """Write the quarter's PBJ file when CMS would accept it; the result lists
        the problems either way (nothing is written while one blocks the file)."""
        result = self.pbj(quarter)
        if result.export.xml is not None:
            self._write(path, result.export.xml.encode("utf-8"), what=f"pbj {quarter}")
        return result

    def _write(self, path: Path, data: bytes, *, what: str) -> Path:
        actor = self.actor
        target = Path(path).expanduser()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_owner_only(target, data)
        except OSError as exc:
            raise InputError("path", f"Cannot write {target}: {exc.strerror or exc}.") from None
        with actor.store.write() as conn:
            audit(conn, actor.clock.ms(), "export", actor.user.id, what=what,
                  path=str(target), bytes=len(data))
        return target

