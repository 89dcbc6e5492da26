"""A facility's records, read once for the shared report definitions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.reports.facts import FacilityFacts, HoursDays, Row
from server.errors import NotFound
from server.storage.db import json_value
from server.storage.models import T

KINDS = ("facility", "bed", "resident", "stay", "assessment", "staff", "license", "hours",
         "training", "review", "registry_check", "paid_leave", "bulletin", "user")
"""The kinds the reports read (notes, diagnoses and tasks are not needed)."""


_tuple_new = tuple.__new__
_decode = json_value
"""A snapshot's text as ``json.loads`` reads it (:func:`server.storage.db.json_value`)."""


def data_as_of(conn: Connection, facility_id: str) -> str:
    """When the facility's records last changed: its newest audit entry."""
    at = conn.execute(sa.select(sa.func.max(T.audit.c.at)).where(
        T.audit.c.chain == facility_id)).scalar()
    if at is None:
        return ""
    return datetime.fromtimestamp(at / 1000, tz=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def load_facts(conn: Connection, facility_id: str, *, kinds: Iterable[str] | None = None,
               hours_days: HoursDays | None = None) -> FacilityFacts:
    """Every record of the facility the reports need (or of ``kinds`` only, and the
    hours ``hours_days`` keeps: :class:`protocol.reports.catalog.Reads`), as the
    shared facts.

    The snapshot column is read as the text it is stored as (cast to text, so
    that psycopg does not decode PostgreSQL's ``json`` with :mod:`json` itself)
    and decoded here, once (:func:`_decode`), without SQLAlchemy's per-row result
    processing: a large facility's quarter is ten thousand rows, and that
    processing cost as much as the decoding.
    """
    records = T.records
    result = conn.execute(sa.select(records.c.kind, records.c.id,
                                    sa.cast(records.c.data, sa.Text),
                                    records.c.status)
                          .where(records.c.facility_id == facility_id,
                                 records.c.kind.in_(KINDS if kinds is None else
                                                    [k for k in KINDS if k in kinds])))
    facility = None
    out: list[Row] = []
    append = out.append
    for kind, rec_id, data, status in result.all():
        decoded: Any = _decode(data) if data.__class__ is str else data  # NULL: None
        # Made as the tuple it is: Row's own constructor is a Python function, and
        # costs, over a facility's ten thousand rows, a tenth of their decoding.
        row: Row = _tuple_new(Row, (kind, rec_id, decoded or {}, status))
        if kind == "facility" and rec_id == facility_id:
            facility = row
        else:
            append(row)
    if facility is None:
        raise NotFound(f"no facility {facility_id}")
    return FacilityFacts.from_rows(facility, out, data_as_of=data_as_of(conn, facility_id),
                                   hours_days=hours_days)
