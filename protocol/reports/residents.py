"""The resident reports: MDS schedule, alphabetical census with out-of-facility
flags, admissions in the last 30 days, discharges in the last 3 months, and census
statistics by payer (docs/rules.md §4, §5.2, §6)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from protocol.rules.calendar import add_days, months_ending
from protocol.rules.dates import day_of
from protocol.rules.due import DueItem, DueStatus
from protocol.rules.residents.census_stats import (
    BedCount,
    CensusStatistics,
    DayState,
    Figures,
    StayFacts,
    census_statistics,
    day_state,
)
from protocol.rules.residents.departures import ANOTHER_FACILITY, DepartureKind, departure_kind
from protocol.rules.residents.mds import mds_schedule
from protocol.rules.residents.mds_movements import assessment_of, resident_movements

from .charts import DESTROYED_NAME
from .facts import FacilityFacts
from .model import Column, day_text, figure

BAD = frozenset({DueStatus.OVERDUE, DueStatus.VIOLATION, DueStatus.LATE, DueStatus.MISSED})

MDS_COLUMNS = (
    Column("resident", "Resident", width=1.6), Column("mrn", "MRN"),
    Column("what", "What", width=2.4), Column("status", "Status"), Column("due", "Due"),
    Column("done", "Done"), Column("why", "Why", width=4.5),
)


def mds_items(facts: FacilityFacts, today: date) -> list[DueItem]:
    """The MDS schedule of every resident here, and of every stay transferred out
    (a discharge of this facility: its discharge assessment is this facility's)."""
    items: list[DueItem] = []
    for resident_id in sorted(facts.residents, key=facts.resident_name):
        moves = resident_movements(facts.stays_of(resident_id))
        if not moves:
            continue
        items += mds_schedule(resident_id, moves, facts.assessments_of(resident_id), today)
    for moved in sorted(facts.moved_out, key=lambda t: (t.name, t.left_on, t.stay_id)):
        # Back here since: the stay transferred out is no longer among those on
        # file (departures.residence), so its discharge assessment is listed here.
        items += mds_schedule(moved.resident_id, moved.movements(),
                              [assessment_of(i, a) for i, a in moved.assessments], today)
    return items


def mds_rows(facts: FacilityFacts, start: date, end: date, today: date
             ) -> tuple[tuple[tuple[str, ...], ...], frozenset[int], list[DueItem]]:
    """Items due in the period, plus every item still needing action."""
    items = mds_items(facts, today)
    shown = [i for i in items if i.needs_action or (i.due is not None and start <= i.due <= end)]
    rows: list[tuple[str, ...]] = []
    failing: set[int] = set()
    for item in sorted(shown, key=lambda i: (i.due or date.max, facts.resident_name(i.subject))):
        if item.status in BAD:
            failing.add(len(rows))
        rows.append((facts.resident_name(item.subject), facts.resident_mrn(item.subject),
                     item.what,
                     str(item.status).replace("_", " "), day_text(item.due),
                     day_text(item.done_on), item.why))
    return tuple(rows), frozenset(failing), items


CENSUS_COLUMNS = (
    Column("name", "Resident", width=1.8), Column("mrn", "MRN"), Column("unit", "Unit"),
    Column("bed", "Room/bed"), Column("admitted", "Admitted"), Column("where", "Where"),
    Column("payer", "Payer"),
)


def _where(f: StayFacts, on: date, state: DayState) -> str:
    """In house, or out (and why) on ``on``."""
    if state is DayState.IN_HOUSE:
        return "in house"
    leave = next(lv for lv in f.leaves if lv.left_on <= on
                 and (lv.returned_on is None or lv.returned_on > on))
    return (("OUT: hospital" if leave.leave_type == "hospital" else "OUT: leave")
            + (" (bed held)" if leave.bed_hold else ""))


def census_rows(facts: FacilityFacts, on: date) -> tuple[tuple[str, ...], ...]:
    """Everyone whose stay holds them on ``on``, alphabetically; who is out, and where."""
    rows = []
    by_id = {f.stay_id: f for f in facts.stay_facts}
    for resident_id in sorted(facts.residents, key=lambda r: facts.resident_name(r).casefold()):
        data = facts.residents[resident_id]
        for stay_id, stay in facts.stays.items():
            f = by_id.get(stay_id)
            if stay.get("resident_id") != resident_id or f is None:
                continue
            state = day_state(f, on)
            if state is None:
                continue
            rows.append((facts.resident_name(resident_id), str(data.get("mrn") or ""),
                         str(data.get("_unit_name") or ""), str(data.get("_bed_label") or ""),
                         day_text(f.admitted_on), _where(f, on, state), f.payer_on(on)))
    # A past day of a stay that moved with a chart transferred out: counted in the
    # census days, so listed too (no room: the bed board has moved on); a stay of a
    # chart destroyed here, without a name.
    for name, mrn, f, _stay in [*_kept_named(facts), *_destroyed_named(facts)]:
        state = day_state(f, on)
        if state is None:
            continue
        rows.append((name, mrn, "", "", day_text(f.admitted_on), _where(f, on, state),
                     f.payer_on(on)))
    return tuple(rows)


def _kept_named(facts: FacilityFacts
                ) -> list[tuple[str, str, StayFacts, Mapping[str, Any]]]:
    """The stays that moved with a chart transferred out (name, record number, the
    stay's census facts and what is kept of it), by name; the name gone with a
    destruction of the chart (here, back since, or where it went), as
    :data:`DESTROYED_NAME`."""
    return [(t.name or DESTROYED_NAME, t.mrn, f, stay)
            for t, f, stay in sorted(facts.kept_stays, key=lambda k: k[0].name.casefold())]


def _destroyed_named(facts: FacilityFacts
                     ) -> list[tuple[str, str, StayFacts, Mapping[str, Any]]]:
    """The stays of charts destroyed here, as :func:`_kept_named`: named
    :data:`DESTROYED_NAME`, no record number (the purge took them)."""
    return [(DESTROYED_NAME, "", f, facts.destroyed_stays[f.stay_id])
            for f in facts.destroyed_facts]


ADMISSION_COLUMNS = (
    Column("name", "Resident", width=1.8), Column("mrn", "MRN"), Column("admitted", "Admitted"),
    Column("type", "Admission"), Column("payer", "Payer"), Column("bed", "Room/bed"),
)


def admission_rows(facts: FacilityFacts, end: date) -> tuple[date, tuple[tuple[str, ...], ...]]:
    first = add_days(end, -29)
    rows = []
    for f in sorted(facts.stay_facts, key=lambda f: f.admitted_on):
        if not first <= f.admitted_on <= end:
            continue
        stay = facts.stays[f.stay_id]
        rid = str(stay.get("resident_id"))
        rows.append((facts.resident_name(rid), str(facts.residents[rid].get("mrn") or ""),
                     day_text(f.admitted_on), str(stay.get("admission_type") or "new"),
                     f.payer_on(f.admitted_on),
                     str(facts.residents[rid].get("_bed_label") or "")))
    rows.extend((name, mrn, day_text(f.admitted_on),  # since transferred out, or destroyed
                 str(stay.get("admission_type") or "new"), f.payer_on(f.admitted_on), "")
                for name, mrn, f, stay in [*_kept_named(facts), *_destroyed_named(facts)]
                if first <= f.admitted_on <= end)
    return first, tuple(sorted(rows, key=lambda row: row[2]))


DISCHARGE_COLUMNS = (
    Column("name", "Resident", width=1.8), Column("mrn", "MRN"), Column("admitted", "Admitted"),
    Column("discharged", "Discharged"), Column("disposition", "Disposition"),
    Column("destination", "Destination", width=2.0), Column("los", "Length of stay", True),
)


def discharge_rows(facts: FacilityFacts, end: date) -> tuple[date, tuple[tuple[str, ...], ...]]:
    """Discharges (deaths and transfers to another facility included: docs/rules.md
    §4.3) in the 3 months ending on ``end``, oldest first."""
    first = months_ending(end, 3)
    found: list[tuple[date, tuple[str, ...]]] = []
    moved = {t.stay_id: t for t in facts.transfers_out}
    for f in facts.stay_facts:
        if f.discharged_on is None or not first <= f.discharged_on <= end:
            continue
        stay = facts.stays[f.stay_id]
        rid = str(stay.get("resident_id"))
        disposition = str(stay.get("disposition") or "").replace("_", " ")
        destination = str(stay.get("destination") or "")
        if departure_kind(stay) is DepartureKind.TRANSFER:
            disposition = DepartureKind.TRANSFER.value
            destination = moved[f.stay_id].destination if f.stay_id in moved else (
                ANOTHER_FACILITY)
        found.append((f.discharged_on, (
            facts.resident_name(rid), str(facts.residents[rid].get("mrn") or ""),
            day_text(f.admitted_on), day_text(f.discharged_on), disposition, destination,
            str(f.length_of_stay))))
    for t, f, stay in facts.kept_stays:  # here, since transferred out
        if f.discharged_on is None or not first <= f.discharged_on <= end:
            continue
        transfer = f.stay_id == t.stay_id
        found.append((f.discharged_on, (
            t.name or DESTROYED_NAME, t.mrn, day_text(f.admitted_on), day_text(f.discharged_on),
            DepartureKind.TRANSFER.value if transfer
            else str(stay.get("disposition") or "").replace("_", " "),
            t.destination if transfer else str(stay.get("destination") or ""),
            str(f.length_of_stay))))
    for name, mrn, f, stay in _destroyed_named(facts):  # the purge kept no destination
        if f.discharged_on is not None and first <= f.discharged_on <= end:
            kind = departure_kind(stay)
            found.append((f.discharged_on, (
                name, mrn, day_text(f.admitted_on), day_text(f.discharged_on),
                DepartureKind.TRANSFER.value if kind is DepartureKind.TRANSFER
                else str(stay.get("disposition") or "").replace("_", " "), "",
                str(f.length_of_stay))))
    return first, tuple(row for _, row in sorted(found, key=lambda item: item[0]))


STATS_COLUMNS = (
    Column("payer", "Payer"), Column("resident_days", "Resident days", True),
    Column("adc", "Average daily census", True), Column("admissions", "Admissions", True),
    Column("discharges", "Discharges", True), Column("deaths", "Deaths", True),
    Column("leave_days", "Leave days", True), Column("bed_hold_days", "Bed-hold days", True),
)


def bed_counts(facts: FacilityFacts, start: date) -> tuple[tuple[BedCount, ...], str | None]:
    """The recorded licensed-bed counts, or the facility's beds when none is recorded
    for the period's start (said in a note: it is not a licensed count)."""
    counts = facts.settings.bed_counts
    if any(c.start <= start for c in counts):
        return counts, None
    return ((BedCount(start, facts.beds), *counts),
            (f"No licensed-bed count is recorded from {start.isoformat()}: the {facts.beds} "
            "beds on the bed board are counted instead. Record the licensed count centrally."))


def stats(facts: FacilityFacts, start: date, end: date) -> tuple[CensusStatistics, str | None]:
    counts, note = bed_counts(facts, start)
    return census_statistics(facts.census_stays, counts, start, end), note


def stats_rows(statistics: CensusStatistics) -> tuple[tuple[str, ...], ...]:
    def row(payer: str, f: Figures, adc: object) -> tuple[str, ...]:
        return (payer, str(f.resident_days), figure(adc),  # type: ignore[arg-type]
                str(f.admissions), str(f.discharges), str(f.deaths), str(f.leave_days),
                str(f.bed_hold_days))

    rows = [row(payer, statistics.by_payer[payer],
                statistics.payer_average_daily_census(payer))
            for payer in sorted(statistics.by_payer)]
    rows.append(row("all payers", statistics.totals, statistics.average_daily_census))
    return tuple(rows)


def stats_summary(statistics: CensusStatistics) -> tuple[tuple[str, str], ...]:
    by_type = ", ".join(f"{kind} {days}" for kind, days in
                        sorted(statistics.leave_days_by_type.items())) or "none"
    return (
        ("Days in period", str(statistics.days)),
        ("Bed-count days", str(statistics.bed_count_days)),
        ("Occupancy %", figure(statistics.occupancy_percent)),
        ("Held-bed occupancy % (separate figure)", figure(
            statistics.held_bed_occupancy_percent)),
        ("Average length of stay (days)", figure(statistics.average_length_of_stay)),
        ("Average bed count", figure(statistics.average_bed_count)),
        ("Bed turnover", figure(statistics.bed_turnover)),
        ("Gross death rate %", figure(statistics.gross_death_rate)),
        ("Leave days by type", by_type),
    )


def admitted_on(stay: dict[str, object]) -> date | None:
    return day_of(stay.get("admitted_at"))
