"""Compliance reports and the PBJ file of one facility, as the server computes them.

``facility_report`` gives a report's bytes in the format asked for;
``facility_pbj`` the quarter's PBJ file (or why CMS would reject it). The
regional dashboard and the inspectors' endpoints will call the same functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.collector import collector_paused
from protocol.reports.catalog import Reads, build_report
from protocol.reports.catalog import reads as report_reads
from protocol.reports.facts import FacilityFacts, HoursDays
from protocol.reports.model import Report, ReportMeta
from protocol.reports.pbj_file import PbjResult, pbj_for
from protocol.reports.render import render
from protocol.reports.status import ComplianceStatus, compliance_status
from protocol.rules.calendar import Quarter
from protocol.rules.records.facility_time import local_now_ms
from server.storage.db import read_tx
from server.storage.models import T

from .loading import load_facts

__all__ = ["facilities_now", "facility_now", "facility_pbj", "facility_report",
           "facility_status", "load_facts", "produced_at", "server_meta"]


def facilities_now(conn: Connection, ids: Sequence[str], ms: int) -> dict[str, datetime]:
    """The server's clock at ``ms`` on each facility's own wall clock (its record's
    time zone, else its state's: :mod:`protocol.rules.records.facility_time`),
    naive: a facility's "today" is its own, as at its terminals (docs/rules.md
    §0.1), whatever the zone the server runs in."""
    data = {row.id: row.data for row in conn.execute(
        sa.select(T.records.c.id, T.records.c.data).where(T.records.c.id.in_(list(ids))))}
    out = {}
    for facility_id in ids:
        raw = data.get(facility_id)
        record = json.loads(raw) if isinstance(raw, str) else raw
        out[facility_id] = local_now_ms(record if isinstance(record, dict) else {}, ms)
    return out


def facility_now(conn: Connection, facility_id: str, ms: int) -> datetime:
    return facilities_now(conn, [facility_id], ms)[facility_id]


def facts_of(engine: Engine, facility_id: str, reads: Reads | None = None,
             hours_days: HoursDays | None = None) -> FacilityFacts:
    with read_tx(engine) as conn:
        return load_facts(conn, facility_id, kinds=reads.kinds if reads else None,
                          hours_days=hours_days)


def facility_report(engine: Engine, name: str, facility_id: str, start: date, end: date, *,
                    today: date, produced_at: str, produced_by: str = "") -> Report:
    """The report ``name``, from the records it reads (:func:`protocol.reports.catalog.reads`):
    a staffing report reads the hours around its period, not the facility's every year."""
    reads = report_reads(name)
    with collector_paused():
        facts = facts_of(engine, facility_id, reads, reads.hours_days(start, end, today))
        return build_report(name, facts, start, end, today=today, meta=server_meta(
            facts.data_as_of, produced_at=produced_at, produced_by=produced_by))


def produced_at(ms: int) -> str:
    """When a report was produced, as every report's header prints it: in UTC and
    saying so, as the portal shows every time (a report travels between
    facilities and inspectors in different zones; "today" in it is the facility's)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def server_meta(data_as_of: str, *, produced_at: str, produced_by: str = "") -> ReportMeta:
    """What the header of every report the server produces says of when and from
    what data: ``data_as_of`` is :func:`server.reports.loading.data_as_of`."""
    as_of = (f"{data_as_of} (server, last change)" if data_as_of
             else "no change stored (server)")
    return ReportMeta(produced_at=produced_at, data_as_of=as_of, produced_by=produced_by)


def facility_report_bytes(engine: Engine, name: str, facility_id: str, start: date,
                          end: date, fmt: str, *, today: date, produced_at: str) -> bytes:
    return render(facility_report(engine, name, facility_id, start, end, today=today,
                                  produced_at=produced_at), fmt)


def facility_pbj(engine: Engine, facility_id: str, quarter: Quarter, *, today: date
                 ) -> PbjResult:
    with collector_paused():
        return pbj_for(facts_of(engine, facility_id), quarter, today=today)


def facility_status(engine: Engine, facility_id: str, *, today: date) -> ComplianceStatus:
    with collector_paused():
        return compliance_status(facts_of(engine, facility_id), today)
