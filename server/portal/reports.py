"""A facility's reports as the portal hands them out: one file (PDF, CSV or
JSON), the same report as a signed bundle, or the entrance-conference pack.

The reports are the shared definitions (:mod:`protocol.reports`) computed by
:func:`server.reports.compliance.facility_report`, exactly what the command
line and the terminals produce. The PDF is ReportLab's (already what
:mod:`protocol.reports.render` uses: a maintained, pure-Python library whose
platypus flow lays out long tables across pages with a repeated header, and
which needs no system packages).

Every download is two audit entries in the facility's chain, written before
the bytes leave the server: ``report:produce`` (which report, which period,
the SHA-256 of every file) and ``report:download`` (who took it and why — for
an inspector, the access's stated purpose). A bundle carries both entries with
their inclusion proofs against the checkpoint it was produced at, so anyone
holding it can show what the server handed out, to whom, and that the log
still says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.engine import Engine

from protocol.reports.catalog import REPORTS, UnknownReport
from protocol.reports.render import render
from protocol.rules.staffing.judged_days import default_period
from server.core.audit_log import AuditLog
from server.errors import NotFound
from server.reports.compliance import facility_now, facility_report, produced_at
from server.settings import Settings
from server.storage.batch import Batch
from server.storage.db import read_tx, write_tx

from . import scope
from .errors import InputInvalid
from .principals import Principal

FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
           "json": "application/json"}
BUNDLE = "zip"
PACK = "entrance-pack"
PACK_TITLE = "Entrance-conference pack"
PACK_REPORTS = ("census", "admissions", "staffing-days", "posted-staffing", "licenses", "mds")
"""What a surveyor asks for at entrance (ltc-rules.md §6): the census with who is
out, admissions in the last 30 days, the staffing actually worked over the
survey period and its posted sheets, the license roster, the MDS schedule."""
PACK_FORMATS = ("pdf", "csv")
DEFAULT_DAYS = 14
MAX_DAYS = 731
"""Two years: the longest period one download covers (posted staffing is kept
18 months)."""


@dataclass(frozen=True)
class Offered:
    name: str
    title: str


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    body: bytes


def offered() -> list[Offered]:
    """Every report the portal offers, in the catalog's order."""
    return [Offered(name, title) for name, (title, _build) in REPORTS.items()]


def period(today: date, raw_from: str | None, raw_to: str | None) -> tuple[date, date]:
    """The period asked for (``YYYY-MM-DD``, both days included); by default the
    last 14 complete days, ending yesterday on the facility's own clock
    (docs/rules.md §2.9: today is still in progress, and a staffing report does
    not judge it)."""
    start, end = _day("from", raw_from), _day("to", raw_to)
    if end is None:
        end = default_period(today, DEFAULT_DAYS)[1]
        if start is not None and start > end:
            end = start  # a period asked from today on: today alone, in progress
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise InputInvalid("to", "The period ends before it starts.")
    if (end - start).days + 1 > MAX_DAYS:
        raise InputInvalid("from", f"One download covers at most {MAX_DAYS} days.")
    return start, end


def _day(field: str, raw: str | None) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InputInvalid(field, "Give dates as YYYY-MM-DD.") from None


def parse_file(file: str) -> tuple[str, str]:
    """``staffing-days.pdf`` → (``staffing-days``, ``pdf``); anything the portal
    does not offer is not found."""
    name, dot, fmt = file.rpartition(".")
    if not dot or (fmt not in FORMATS and fmt != BUNDLE) or (
            name not in REPORTS and not (name == PACK and fmt == BUNDLE)):
        raise NotFound("There is no such report.")
    return name, fmt


def produced_by(who: Principal) -> str:
    """Who produced a report, as every report's header names them: a person's
    name, not a login."""
    if who.is_inspector:
        return f"{who.name}, {who.agency} (inspector)"
    return who.display_name or who.name


def _files(engine: Engine, settings: Settings, who: Principal, facility_id: str,
           names: Sequence[str], formats: Sequence[str], start: date,
           end: date) -> dict[str, bytes]:
    ms = settings.clock()
    with read_tx(engine) as conn:
        today = facility_now(conn, facility_id, ms).date()
    out: dict[str, bytes] = {}
    for name in names:
        try:
            report = facility_report(engine, name, facility_id, start, end,
                                     today=today, produced_at=produced_at(ms),
                                     produced_by=produced_by(who))
        except UnknownReport:
            raise NotFound("There is no such report.") from None
        for fmt in formats:
            out[f"{name}_{start.isoformat()}_{end.isoformat()}.{fmt}"] = render(report, fmt)
    return out


def audit_download(engine: Engine, settings: Settings, who: Principal, facility_id: str, *,
                   what: str, start: date, end: date, files: Mapping[str, bytes], page: str,
                   bundle: bool) -> list[int]:
    """The production and the download, in the facility's chain; their seqs.
    Every file of resident, staffing or financial data the portal hands out is
    written here first (the reports, the budget files of the spending page)."""
    now = settings.clock()
    download = {"report": what, "page": page[:200], "bundle": bundle}
    if who.is_inspector:
        download |= {"inspector": who.name, "agency": who.agency,
                     "stated_purpose": who.purpose}
    with write_tx(engine) as conn:
        batch = Batch(conn, [facility_id], now)
        chain = batch.chain(facility_id)
        chain.append(at=now, action="report:produce", outcome="applied", actor=who.actor,
                     target=facility_id, facility_id=facility_id,
                     purpose="inspection" if who.is_inspector else "operations",
                     detail={"report": what, "from": start.isoformat(), "to": end.isoformat(),
                             "files": {name: hashlib.sha256(data).hexdigest()
                                       for name, data in sorted(files.items())}})
        produced = chain.seq
        chain.append(at=now, action="report:download", outcome="applied", actor=who.actor,
                     target=facility_id, facility_id=facility_id,
                     purpose="inspection" if who.is_inspector else "operations",
                     detail=download)
        batch.write()
    return [produced, produced + 1]


def download(engine: Engine, settings: Settings, audit_log: AuditLog, who: Principal,
             facility_id: str, file: str, *, start: date, end: date, page: str) -> Download:
    """One file of a report (``census.pdf``), that report as a signed bundle
    (``census.zip``), or the entrance-conference pack (``entrance-pack.zip``,
    always a bundle) — audited before it is returned."""
    name, fmt = parse_file(file)
    with read_tx(engine) as conn:
        ref = scope.facility(conn, who, facility_id)
    names = PACK_REPORTS if name == PACK else (name,)
    formats = (PACK_FORMATS if name == PACK else tuple(FORMATS)) if fmt == BUNDLE else (fmt,)
    files = _files(engine, settings, who, facility_id, names, formats, start, end)
    seqs = audit_download(engine, settings, who, facility_id, what=name, start=start,
                          end=end, files=files, page=page, bundle=fmt == BUNDLE)
    stem = f"{name}_{ref.mrn_prefix}_{start.isoformat()}_{end.isoformat()}"
    if fmt != BUNDLE:
        [(_, body)] = files.items()
        return Download(f"{stem}.{fmt}", FORMATS[fmt], body)
    title = PACK_TITLE if name == PACK else REPORTS[name][0]
    body = audit_log.bundle(chain=facility_id, facility_name=ref.name,
                            title=f"{title}, {start.isoformat()} to {end.isoformat()}",
                            files=files, entry_seqs=seqs)
    return Download(f"{stem}.zip", "application/zip", body)
