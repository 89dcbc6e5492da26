"""The dashboard's figures for each facility: census and occupancy, today's
staffing compliance and its 14-day trend (an SVG), licenses expired or
expiring, MDS items overdue, and whether the facility's audit log verifies.

They come from the shared report definitions (``compliance_status`` is what
the terminal's compliance screen shows) and cost a facility's report to
compute, so they are kept in ``facility_figures`` and recomputed only when the
facility's records changed (its change sequence moved), on a new day, or when
asked: a page of fifty facilities then reads fifty rows. Any server process
refreshes them (:func:`refresh_stale`, on a timer) and any reads them; a
facility's own page refreshes its figures first if they are stale. A process
claims a facility before computing its figures (:mod:`server.storage.claims`),
so two processes never compute the same facility's at once: the other skips it.
A refresh reads no more than changed (:func:`_compute_and_keep`): the audit chain
from the last entry verified, the records only when one the figures read changed
or the day turned.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from protocol.collector import collector_paused
from protocol.reports import residents
from protocol.reports.facts import FacilityFacts
from protocol.reports.model import figure
from protocol.reports.status import compliance_status
from protocol.rules.due import due_list, overdue_list
from server.reports.compliance import facilities_now, load_facts
from server.reports.loading import KINDS
from server.settings import Settings
from server.storage.audit_verify import Verified, verify_chain_since
from server.storage.claims import claim
from server.storage.dashboard_models import D
from server.storage.db import read_tx, write_tx
from server.storage.keys import key_chain
from server.storage.models import T

from .trend_chart import trend_svg

EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Figures:
    facility_id: str
    day: str
    computed_at: int
    stale: bool
    census: int
    in_house: int
    beds: int
    """Licensed beds in force today (the bed board's count when none is recorded)."""
    occupancy: str
    """Today's midnight census × 100 ÷ ``beds``, half up to 2 decimals; empty without beds."""
    level: str
    """Today's compliance overall: ``ok``, ``warn`` or ``fail``."""
    staffing: str
    """``ok``/``warn``/``fail`` for staffing alone."""
    staffing_text: list[str]
    licenses_expired: int
    licenses_expiring: int
    mds_overdue: int
    audit_ok: bool
    audit_text: str
    people_overdue: list[dict[str, str]] = field(default_factory=list)
    """Overdue in-service training and performance reviews (the compliance rules'
    items: name, employee id, rule, what, due, why). Figures kept before they were
    counted have none until refreshed."""


def _worst(levels: Iterable[str]) -> str:
    found = set(levels)
    return "fail" if "fail" in found else "warn" if "warn" in found else "ok"


def compute(facts: FacilityFacts, today: date) -> tuple[dict[str, Any], str]:
    """The figures (JSON-ready) and the trend chart of one facility on ``today``."""
    status = compliance_status(facts, today)
    rows = residents.census_rows(facts, today)
    in_house = sum(1 for row in rows if not row[5].startswith("OUT"))
    # Occupancy as the census statistics count it (docs/rules.md §4.4), for today
    # alone: the midnight census (residents away at midnight left out) × 100 ÷ the
    # licensed beds in force today, shown half up to 2 decimals.
    today_stats, _ = residents.stats(facts, today, today)
    staffing = [line for line in status.lines if line.topic == "staffing"]
    licenses = status.due["licenses"]
    soon = today + timedelta(days=EXPIRING_DAYS)
    figures = {
        "census": len(rows), "in_house": in_house, "beds": today_stats.bed_count_days,
        "occupancy": figure(today_stats.occupancy_percent),
        "level": status.level, "staffing": _worst(line.level for line in staffing),
        "staffing_text": [line.text for line in staffing],
        "licenses_expired": len(overdue_list(licenses)),
        "licenses_expiring": sum(1 for item in due_list(licenses)
                                 if item.due is not None and item.due <= soon),
        "mds_overdue": len(overdue_list(status.due["mds"])),
        "people_overdue": [
            {"name": facts.staff_name(item.subject), "employee_id": facts.employee_id(
                item.subject), "rule": item.rule, "what": item.what,
             "due": item.due.isoformat() if item.due else "", "why": item.why}
            for item in overdue_list([*status.due["in_service"], *status.due["reviews"]])],
    }
    return figures, trend_svg(status.chart, facts.name)



def facility_days(conn: Connection, ids: list[str], now_ms: int) -> dict[str, str]:
    """Each facility's date at ``now_ms`` on its own wall clock, as its terminals
    judge "today" (docs/rules.md §0.1): a license expiring today is still valid
    there, whatever the date is where the server runs."""
    return {facility_id: now.date().isoformat()
            for facility_id, now in facilities_now(conn, ids, now_ms).items()}


def _stale_ids(conn: Connection, ids: list[str], now_ms: int) -> list[str]:
    heads = dict(conn.execute(sa.select(T.heads.c.facility_id, T.heads.c.change_seq).where(
        T.heads.c.facility_id.in_(ids))).all())
    kept = {row.facility_id: row for row in conn.execute(
        sa.select(D.figures.c.facility_id, D.figures.c.day, D.figures.c.change_seq).where(
            D.figures.c.facility_id.in_(ids)))}
    today = facility_days(conn, ids, now_ms)
    return [i for i in ids if i not in kept or kept[i].day != today[i]
            or kept[i].change_seq != heads.get(i, 0)]


def refresh(engine: Engine, settings: Settings, facility_id: str, *,
            only_if_stale: bool = False) -> bool:
    """Compute one facility's figures now and keep them, unless another process
    is computing them at this moment (it claimed the facility: the work would be
    done twice) or, with ``only_if_stale``, they are fresh by the time the claim
    is held (another process just kept them). Whether this call computed them."""
    with claim(engine, f"figures:{facility_id}") as held:
        if not held:
            return False
        if only_if_stale:
            with read_tx(engine) as conn:
                if not _stale_ids(conn, [facility_id], settings.clock()):
                    return False
        _compute_and_keep(engine, settings, facility_id)
        return True


def _compute_and_keep(engine: Engine, settings: Settings, facility_id: str) -> None:
    """Compute the figures, reading no more than changed since those kept:

    - the census, staffing, license, MDS and people figures and the chart are a
      function of the records :data:`~server.reports.loading.KINDS` names and of
      the day; when the day is the same and no change since those kept touched a
      record of those kinds (a note, a task, a diagnosis moves the facility's
      change sequence too), the kept ones are the ones a computation would give,
      and are kept again; otherwise the facility's facts are read and computed;
    - the audit state is checked from where the last check stopped
      (:func:`~server.storage.audit_verify.verify_chain_since`, which says what
      that proves): the entries appended since, not the whole chain."""
    now = settings.clock()
    with collector_paused():
        with read_tx(engine) as conn:
            today = date.fromisoformat(facility_days(conn, [facility_id], now)[facility_id])
            change_seq = conn.execute(sa.select(T.heads.c.change_seq).where(
                T.heads.c.facility_id == facility_id)).scalar() or 0
            figures = _unchanged(conn, facility_id, today.isoformat(), change_seq)
            facts = load_facts(conn, facility_id) if figures is None else None
            start = _verified(conn, facility_id, now)
            problem, verified = verify_chain_since(
                conn, facility_id, [link.key for link in key_chain(conn)],
                start[0] if start else None)
            entries = conn.execute(sa.select(T.heads.c.audit_seq).where(
                T.heads.c.facility_id == facility_id)).scalar() or 0
        if facts is not None:
            figures = compute(facts, today)
    assert figures is not None
    values, chart = figures
    values["audit_ok"] = problem is None
    values["audit_text"] = (f"{entries} entries verified" if problem is None
                            else str(problem))
    with write_tx(engine) as conn:
        _keep(conn, D.figures, D.figures.c.facility_id, facility_id, {
            "day": today.isoformat(), "change_seq": change_seq, "computed_at": now,
            "figures": json.dumps(values), "chart": chart})
        if verified is not None:
            _keep(conn, D.verified, D.verified.c.chain, facility_id, {
                "size": verified.size, "head": verified.head, "root": verified.root,
                "frontier": b"".join(verified.frontier),
                # the time of the last check of every entry (this one, if it was)
                "verified_at": start[1] if start else now})


AUDIT_FIELDS = ("audit_ok", "audit_text")
RECORD_FIELDS = frozenset(f.name for f in fields(Figures)) - {
    "facility_id", "day", "computed_at", "stale", *AUDIT_FIELDS}
"""The kept figures :func:`compute` gives (all but the audit state)."""


def _unchanged(conn: Connection, facility_id: str, today: str, change_seq: int
               ) -> tuple[dict[str, Any], str] | None:
    """The kept figures (less the audit state) and chart, when a computation now
    would give the same: they are of today, and no record the figures read
    changed since (the changes after theirs hold none of those kinds)."""
    row = conn.execute(sa.select(D.figures.c.day, D.figures.c.change_seq,
                                 D.figures.c.figures, D.figures.c.chart).where(
        D.figures.c.facility_id == facility_id)).first()
    if row is None or row.day != today or row.change_seq > change_seq:
        return None
    if row.change_seq < change_seq and conn.execute(sa.select(T.changes.c.seq).where(
            T.changes.c.facility_id == facility_id, T.changes.c.seq > row.change_seq,
            T.changes.c.seq <= change_seq, T.changes.c.kind.in_(KINDS)).limit(1)).first():
        return None
    data = json.loads(row.figures)
    if not RECORD_FIELDS.issubset(data):  # kept before a figure was added
        return None
    return {k: v for k, v in data.items() if k not in AUDIT_FIELDS}, row.chart


FULL_CHECK_EVERY_MS = 86_400_000
"""The dashboard checks a facility's every audit entry once a day (about 20 s of
CPU for 500,000 entries), and only the entries appended since in between: an
entry rewritten in place with its stored hash kept, which only the full check
finds, shows on the dashboard within a day."""


def _verified(conn: Connection, facility_id: str, now: int) -> tuple[Verified, int] | None:
    """What the audit checks of the facility verified, and when the last full one
    ran; None when nothing is kept or that was :data:`FULL_CHECK_EVERY_MS` ago
    or more (the next check is then a full one)."""
    row = conn.execute(sa.select(D.verified).where(D.verified.c.chain == facility_id)).first()
    if row is None or now - row.verified_at >= FULL_CHECK_EVERY_MS:
        return None
    frontier = bytes(row.frontier)
    return Verified(row.size, row.head, tuple(frontier[i:i + 32]
                                              for i in range(0, len(frontier), 32)),
                    bytes(row.root)), int(row.verified_at)


def _keep(conn: Connection, table: sa.Table, key: sa.Column[Any], value: str,
          values: dict[str, Any]) -> None:
    """Replace the facility's row of ``table``, or insert it."""
    done = conn.execute(sa.update(table).where(key == value).values(**values))
    if done.rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(table).values({key.name: value, **values}))
        except IntegrityError:  # another process kept its own first: theirs stand
            pass


def refresh_stale(engine: Engine, settings: Settings, limit: int | None = None) -> int:
    """Refresh every facility whose figures are missing or stale (at most
    ``limit``) and not claimed by another process; how many this one refreshed."""
    with read_tx(engine) as conn:
        ids = list(conn.execute(sa.select(T.facilities.c.id).order_by(T.facilities.c.id))
                   .scalars())
        stale = _stale_ids(conn, ids, settings.clock())[:limit]
    return sum(refresh(engine, settings, facility_id, only_if_stale=True)
               for facility_id in stale)


def ensure_fresh(engine: Engine, settings: Settings, facility_id: str) -> None:
    """Refresh one facility's figures if they are stale (its own page); while
    another process is computing them, the page shows those kept, marked stale."""
    with read_tx(engine) as conn:
        stale = _stale_ids(conn, [facility_id], settings.clock())
    if stale:
        refresh(engine, settings, facility_id, only_if_stale=True)


def kept(conn: Connection, ids: list[str], now: int) -> dict[str, Figures]:
    """The figures kept for these facilities (those computed), marked stale
    when the records changed since or they are of an earlier day."""
    stale = set(_stale_ids(conn, ids, now))
    out = {}
    for row in conn.execute(sa.select(D.figures.c.facility_id, D.figures.c.day,
                                      D.figures.c.computed_at, D.figures.c.figures)
                            .where(D.figures.c.facility_id.in_(ids))):
        data = json.loads(row.figures)
        out[row.facility_id] = Figures(row.facility_id, row.day, row.computed_at,
                                       row.facility_id in stale, **data)
    return out


def chart(conn: Connection, facility_id: str) -> str | None:
    return conn.execute(sa.select(D.figures.c.chart).where(
        D.figures.c.facility_id == facility_id)).scalar()
