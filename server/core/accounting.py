"""A resident's accounting of disclosures made at the server, from every
disclosure the facility logged — the terminals forget a destroyed record, but
HIPAA documentation outlives it (45 CFR 164.530(j)), and a resident may ask for
an accounting of the 6 years before the request whatever became of the chart.

The resident is found by record number; a destroyed record is named as its
destruction certificate names it. The rule and the document are the terminal's
(:mod:`protocol.rules.records.disclosures`, :mod:`protocol.reports.accounting_document`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.errors import ValidationError
from protocol.records import RecordKind, resident_display_name
from protocol.reports.accounting_document import AccountingDocument
from protocol.rules.records.commands.reading import disclosure_of, suspension_of
from protocol.rules.records.disclosures import accounting, accounting_period
from server.errors import AdminError, NotFound
from server.storage.db import read_tx
from server.storage.models import T


def _data(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _name(conn: Connection, facility_id: str, resident_id: str,
          data: Mapping[str, Any]) -> str:
    if data.get("family_name"):
        return resident_display_name(data)
    certificates = conn.execute(sa.select(T.records.c.data).where(
        T.records.c.facility_id == facility_id,
        T.records.c.kind == str(RecordKind.DESTRUCTION))).scalars()
    for certificate in certificates:
        for entry in _data(certificate).get("records") or ():
            if entry.get("resident_id") == resident_id:
                return f"{entry.get('name', '')} (record destroyed)"
    return "(unknown resident)"


def resident_accounting(engine: Engine, facility_id: str, mrn: str, *, request_on: date,
                        provided_on: date, asked_from: date | None = None,
                        asked_to: date | None = None) -> AccountingDocument:
    rec = T.records
    with read_tx(engine) as conn:
        facility = _data(conn.execute(sa.select(rec.c.data).where(
            rec.c.id == facility_id, rec.c.kind == str(RecordKind.FACILITY))).scalar())
        if not facility:
            raise NotFound(f"no facility {facility_id}")
        found = conn.execute(sa.select(rec.c.id, rec.c.data).where(
            rec.c.facility_id == facility_id, rec.c.kind == str(RecordKind.RESIDENT),
            rec.c.mrn == mrn)).first()
        if found is None:
            raise NotFound(f"no resident with record number {mrn} at this facility")
        logged = [_data(d) for d in conn.execute(sa.select(rec.c.data).where(
            rec.c.facility_id == facility_id, rec.c.kind == str(RecordKind.DISCLOSURE),
            rec.c.subject_id == found.id)).scalars()]
        held = [_data(d) for d in conn.execute(sa.select(rec.c.data).where(
            rec.c.facility_id == facility_id,
            rec.c.kind == str(RecordKind.ACCOUNTING_SUSPENSION))).scalars()]
        name = _name(conn, facility_id, found.id, _data(found.data))
    try:
        period = accounting_period(request_on, asked_from, asked_to)
    except ValidationError as exc:
        raise AdminError(f"the period {exc.reason}") from None
    made = accounting([disclosure_of(d) for d in logged], period, provided_on=provided_on,
                      suspensions=[suspension_of(s) for s in held])
    return AccountingDocument(str(facility.get("name") or ""), name, mrn,
                              provided_on.isoformat(), made)
