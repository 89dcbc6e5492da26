"""What the spending page hands out — budget against actual as CSV or PDF, and
the page's JSON twin — each audited before it leaves the server, as every
report of the portal is (:func:`server.portal.reports.audit_download`):
``report:produce`` (which report, which period, the SHA-256 of the file) and
``report:download`` (who took it, from which page).

The twin is audited too: it carries the same figures, every request with who
made it and why, and is what a program fetches to take them away. The page
itself, and its chart, are reads as every account page is (not audited).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from protocol.reports.budget import NAME as BUDGET_REPORT
from protocol.reports.budget import budget_report, period
from protocol.reports.render import render
from server.reports.compliance import facility_now, produced_at, server_meta
from server.reports.loading import data_as_of
from server.settings import Settings
from server.storage.db import read_tx

from .principals import Principal
from .reports import FORMATS, Download, audit_download, produced_by
from .spending import Spending, spending

PAGE = "spending"
"""What the audit entries of the twin name as the report handed out."""
BUDGET_FORMATS = ("csv", "pdf")


def budget_download(engine: Engine, settings: Settings, who: Principal, facility_id: str,
                    fmt: str, *, page: str) -> Download:
    """Budget against actual as a report file (``csv`` or ``pdf``,
    :mod:`protocol.reports.budget`) with the header every report of the portal
    has — produced when and by whom, the data as of its last change — audited
    before it is returned."""
    if fmt not in BUDGET_FORMATS:
        raise ValueError(f"no budget file as {fmt!r}")
    now = settings.clock()
    with read_tx(engine) as conn:
        seen = spending(conn, who, facility_id)
        meta = server_meta(data_as_of(conn, facility_id), produced_at=produced_at(now),
                           produced_by=produced_by(who))
        today = facility_now(conn, facility_id, now).date()
    report = budget_report(seen.months, facility_id=facility_id,
                           facility_name=seen.facility.name,
                           state_code=seen.facility.state_code, meta=meta, today=today)
    body = render(report, fmt)
    span = f"{report.start.isoformat()}_{report.end.isoformat()}"
    audit_download(engine, settings, who, facility_id, what=BUDGET_REPORT, start=report.start,
                   end=report.end, files={f"{BUDGET_REPORT}_{span}.{fmt}": body}, page=page,
                   bundle=False)
    return Download(f"{BUDGET_REPORT}_{seen.facility.mrn_prefix}_{span}.{fmt}", FORMATS[fmt],
                    body)


def audit_twin(engine: Engine, settings: Settings, who: Principal, seen: Spending,
               body: bytes, *, page: str) -> None:
    """The page's JSON twin (``body``, as it will be sent) in the facility's
    chain, over the period of its budget against actual."""
    facility_id = seen.facility.id
    with read_tx(engine) as conn:
        today = facility_now(conn, facility_id, settings.clock()).date()
    start, end = period(seen.months, today)
    audit_download(engine, settings, who, facility_id, what=PAGE, start=start, end=end,
                   files={f"{PAGE}_{start.isoformat()}_{end.isoformat()}.json": body},
                   page=page, bundle=False)
