"""A facility's records, read once for the shared report definitions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.reports.facts import FacilityFacts, HoursDays, Row, facility_settings
from protocol.rules.residents.departures import KIND as TRANSFER_KIND
from protocol.rules.residents.departures import READ_STATUSES, kept_assessment, kept_stay
from server.errors import NotFound
from server.storage.models import IS_HOURS, T
from server.storage.rows import json_value

KINDS = ("facility", "bed", "resident", "stay", "assessment", "staff", "license", "hours",
         "training", "review", "registry_check", "paid_leave", "bulletin", "user")
"""The kinds the reports read (notes, diagnoses and tasks are not needed)."""


_tuple_new = tuple.__new__
_decode = json_value
"""A snapshot's text as ``json.loads`` reads it (:func:`server.storage.rows.json_value`)."""


def data_as_of(conn: Connection, facility_id: str) -> str:
    """When the facility's records last changed (``facility_heads.changed_at``,
    moved by every change the server stores): not the newest audit entry, which
    may be a read, such as a report written or an inspector's view."""
    at = conn.execute(sa.select(T.heads.c.changed_at).where(
        T.heads.c.facility_id == facility_id)).scalar()
    if at is None:
        return ""
    return datetime.fromtimestamp(at / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _snapshots(conn: Connection, where: Any) -> list[Any]:
    """Kind, id, snapshot (as text) and status of the records ``where`` names."""
    records = T.records
    return list(conn.execute(sa.select(records.c.kind, records.c.id,
                                  sa.cast(records.c.data, sa.Text), records.c.status)
                        .where(where)).all())


def load_facts(conn: Connection, facility_id: str, *, kinds: Iterable[str] | None = None,
               hours_days: HoursDays | None = None) -> FacilityFacts:
    """Every record of the facility the reports need (or of ``kinds`` only, and the
    hours ``hours_days`` keeps: :class:`protocol.reports.catalog.Reads`), as the
    shared facts.

    With ``hours_days``, the facility's record is read first (the window depends
    on its settings), then the hours entries begun within the window
    (``records.work_day``) and every correction and void, whatever its date
    (no ``work_day``): a report for one quarter does not read the facility's
    years of hours. :meth:`FacilityFacts.from_rows` applies the same window.

    The snapshot column is read as the text it is stored as (cast to text, so
    that psycopg does not decode PostgreSQL's ``json`` with :mod:`json` itself)
    and decoded here, once (:func:`_decode`), without SQLAlchemy's per-row result
    processing: a large facility's quarter is ten thousand rows, and that
    processing cost as much as the decoding.
    """
    records = T.records
    wanted = [k for k in KINDS if kinds is None or k in kinds]
    mine = records.c.facility_id == facility_id
    facility_rows = _snapshots(conn, sa.and_(mine, records.c.kind == "facility",
                                             records.c.id == facility_id))
    if not facility_rows:
        raise NotFound(f"no facility {facility_id}")
    facility = _row(*facility_rows[0])
    others = [k for k in wanted if k != "hours"]
    found = _snapshots(conn, sa.and_(mine, records.c.kind.in_(others),
                                     records.c.id != facility_id)) if others else []
    if "hours" in wanted:
        if hours_days is None:
            found += _snapshots(conn, sa.and_(mine, records.c.kind == "hours"))
        else:
            first, last = (d.isoformat() for d in hours_days(facility_settings(facility)))
            # The kind as a literal: the work-day index holds hours entries only.
            hours = sa.and_(mine, IS_HOURS)
            found += _snapshots(conn, sa.and_(hours, records.c.work_day.between(first, last)))
            found += _snapshots(conn, sa.and_(hours, records.c.work_day.is_(None)))
    out: list[Row] = _transfers_out(conn, facility_id) if "stay" in wanted else []
    append = out.append
    for kind, rec_id, data, status in found:
        decoded: Any = _decode(data) if data.__class__ is str else data  # NULL: None
        # Made as the tuple it is: Row's own constructor is a Python function, and
        # costs, over a facility's ten thousand rows, a tenth of their decoding.
        append(_tuple_new(Row, (kind, rec_id, decoded or {}, status)))
    return FacilityFacts.from_rows(facility, out, data_as_of=data_as_of(conn, facility_id),
                                   hours_days=hours_days)


def _transfers_out(conn: Connection, facility_id: str) -> list[Row]:
    """The stays this facility transferred out, whose records moved with the resident
    (:mod:`protocol.rules.residents.departures`): the stay as it was, the resident's
    name and record number, the receiving facility's name, and the resident's MDS
    records (the rule keeps those that speak for the stay), and the chart's stays."""
    t, records, facilities = T.transfers, T.records, T.facilities
    stay, resident = records.alias("stay"), records.alias("resident")
    found = conn.execute(sa.select(
        t.c.stay_id, t.c.resident_id, sa.cast(stay.c.data, sa.Text),
        sa.cast(resident.c.data, sa.Text), facilities.c.name).select_from(
        t.join(stay, stay.c.id == t.c.stay_id)
        .outerjoin(resident, resident.c.id == t.c.resident_id)
        .outerjoin(facilities, facilities.c.id == t.c.to_facility_id))
        .where(t.c.from_facility_id == facility_id)).all()
    assessments = _assessments_of(conn, {row.resident_id for row in found})
    charts = _stays_of(conn, {row.resident_id for row in found})
    out = []
    for stay_id, resident_id, stay_data, resident_data, destination in found:
        s: Any = _decode(stay_data) if stay_data else {}
        r: Any = _decode(resident_data) if resident_data else {}
        out.append(Row(TRANSFER_KIND, stay_id, {
            "resident_id": resident_id,
            "name": f"{r.get('family_name', '')}, {r.get('given_name', '')}".strip(", "),
            "mrn": str(r.get("mrn") or ""), "admitted_at": s.get("admitted_at"),
            "left_on": s.get("discharged_at"), "destination": destination or "",
            "stay": kept_stay(s), "assessments": assessments.get(resident_id, {}),
            "stays": charts.get(resident_id, {})}))
    return out


def _stays_of(conn: Connection, resident_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Every stay of these residents' charts, wherever they are now, by resident: the
    rule (:func:`protocol.rules.residents.departures.residence`) keeps those of the
    residence each transfer ended."""
    return _charts_of(conn, "stay", resident_ids, kept_stay)


def _assessments_of(conn: Connection, resident_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The MDS records of these residents, wherever they are now, by resident."""
    return _charts_of(conn, "assessment", resident_ids, kept_assessment)


def _charts_of(conn: Connection, kind: str, resident_ids: set[str],
               kept: Callable[[Mapping[str, Any]], dict[str, Any]]
               ) -> dict[str, dict[str, Any]]:
    """The records of one kind about these residents, wherever they are now, by
    resident and id, each as ``kept`` keeps it: those on file and those a
    destruction purged (:data:`~protocol.rules.residents.departures.READ_STATUSES`:
    the facility holding the chart destroying it takes nothing from the census of
    a facility that transferred it out)."""
    if not resident_ids:
        return {}
    records = T.records
    out: dict[str, dict[str, Any]] = {}
    for rec_id, subject, data in conn.execute(sa.select(
            records.c.id, records.c.subject_id, sa.cast(records.c.data, sa.Text)).where(
            records.c.kind == kind, records.c.status.in_(READ_STATUSES),
            records.c.subject_id.in_(sorted(resident_ids)))):
        decoded: Any = _decode(data) if data else {}
        out.setdefault(subject, {})[rec_id] = kept(decoded)
    return out


def _row(kind: str, rec_id: str, data: str | None, status: str) -> Row:
    decoded: Any = _decode(data) if data.__class__ is str else data
    return Row(kind, rec_id, decoded or {}, status)

