"""One facility's records, turned once into what the compliance rules read.

The terminal reads its encrypted store and the server its database; both hand
the same plain rows (:class:`Row`: kind, id, fields, status) to
:meth:`FacilityFacts.from_rows`, so a report computed at the terminal and at the
server from the same records is the same report.

Corrections never overwrite (docs/rules.md §5.5): an hours entry that another
``corrects`` no longer counts, nor does one ``entered_in_error_of`` names (nor
the voiding entry itself); the same holds for licenses, training, reviews,
registry checks and paid leave. Records marked entered in error or merged are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from protocol.merge import ACTIVE
from protocol.pbj import RN_CODES
from protocol.records.codes import state_codes
from protocol.rules.dates import day_of, moment_of
from protocol.rules.department.bulletins import Person
from protocol.rules.records.commands.reading import facility_profile
from protocol.rules.records.facility_time import zone_name
from protocol.rules.residents.census_stats import StayFacts
from protocol.rules.residents.departures import KIND as TRANSFER_KIND
from protocol.rules.residents.departures import TransferOut
from protocol.rules.residents.mds import Assessment
from protocol.rules.residents.mds_movements import assessment_of
from protocol.rules.staffing.license_standing import LicenseRecord
from protocol.rules.staffing.nurse_aides import Aide, InService, RegistryCheck, Review
from protocol.rules.staffing.posting import RETENTION_MONTHS, PostedWork, shift_of
from protocol.rules.staffing.worktime import (
    MINUTES_PER_HOUR,
    PaidLeave,
    Shift,
    WorkEntry,
    work_entries,
)

from .charts import own_stays
from .settings import FacilitySettings
from .shift_times import ShiftTimes
from .shift_times import shift_times as _times


class Row(NamedTuple):
    """A record as either side holds it (a named tuple: a large facility's quarter
    is ten thousand of them, and a tuple is the cheapest record Python makes)."""

    kind: str
    id: str
    data: Mapping[str, Any]
    status: str = ACTIVE


def _live(rows: list[Row], owner: str | None = None, among: Mapping[str, Any] | None = None
          ) -> list[Row]:
    """Immutable facts less those corrected or voided (and the voiding entries); with
    ``owner``, only those whose ``owner`` field names one of ``among``. One pass
    each (a facility's hours are ten thousand)."""
    gone = set()
    for r in rows:
        d = r.data
        if (target := d.get("corrects")):
            gone.add(target)
        if (target := d.get("entered_in_error_of")):
            gone.add(target)
    if owner is None or among is None:
        return [r for r in rows if r.id not in gone and not r.data.get("entered_in_error_of")]
    return [r for r in rows if (d := r.data).get(owner) in among and r.id not in gone
            and not d.get("entered_in_error_of")]


HoursDays = Callable[[FacilitySettings], tuple[date, date]]
"""The first and last day on which an hours entry that counts may begin."""


def facility_settings(facility: Row) -> FacilitySettings:
    """The facility's compliance settings, from its own record (its state's profile
    unless it names another)."""
    return FacilitySettings.from_dict(facility.data.get("compliance"),
                                      state=str(facility.data.get("state_code") or ""))


def hours_begin_day(data: Mapping[str, Any]) -> str | None:
    """The day an hours entry began (``YYYY-MM-DD``: its clock-in's, else its work
    date), as a report's hours window reads it; None when a report must read the
    entry whatever its period: a correction or a void (it changes another entry,
    whatever either's date), or an entry without a readable date.

    The server keeps it beside each hours record (``records.work_day``) so that a
    report's query reads only its window's entries and every correction and void:
    the rows :meth:`FacilityFacts.from_rows` would keep, and perhaps a few more."""
    if data.get("corrects") or data.get("entered_in_error_of"):
        return None
    text = data.get("clock_in") or data.get("work_date")
    if text.__class__ is not str or day_of(text) is None:
        return None
    return str(text)[:10]


def _begun_within(data: Mapping[str, Any], first: str, last: str) -> bool:
    """Whether an hours entry must be kept for ``first``–``last`` (ISO dates): begun
    inside (its clock-in, else its work date), a correction or void (it changes
    another entry, whatever its date), or without a readable date: the rows the
    server's query by :func:`hours_begin_day` reads, by the same function."""
    day = hours_begin_day(data)
    return day is None or first <= day <= last


def _d(data: Mapping[str, Any], name: str) -> date | None:
    return day_of(data.get(name))


def _person(row: Row) -> Person:
    d = row.data
    return Person(row.id, str(d.get("display_name") or d.get("username") or row.id),
                  str(d.get("role") or ""), bool(d.get("active", True)))


@dataclass(frozen=True)
class FacilityFacts:
    facility_id: str
    name: str
    state_code: str
    settings: FacilitySettings
    residents: Mapping[str, Mapping[str, Any]]
    stays: Mapping[str, Mapping[str, Any]]
    assessments: tuple[Row, ...]
    staff: Mapping[str, Mapping[str, Any]]
    licenses: tuple[Row, ...]
    hours: tuple[Row, ...]
    trainings: tuple[Row, ...]
    reviews: tuple[Row, ...]
    registry: tuple[Row, ...]
    leave: tuple[Row, ...]
    bulletins: tuple[Row, ...] = ()
    """Regulation bulletins the region published to the facility, acknowledgements
    included."""
    people: tuple[Person, ...] = ()
    """The facility's users (clerks and records managers): who must read a bulletin."""
    beds: int = 0
    """Bed records of the facility (used when no licensed-bed count is recorded)."""
    data_as_of: str = ""
    """When the data was last brought up to date (a terminal: its last sync)."""
    problems: tuple[str, ...] = field(default=())
    """Records that could not be read, each in words (never silently dropped)."""
    transfers_out: tuple[TransferOut, ...] = ()
    """Stays transferred to another facility (their records moved there): rows of
    kind ``transferred_out`` (:mod:`protocol.rules.residents.departures`)."""
    destroyed_stays: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The purged stays of charts destroyed here that were this facility's
    (:func:`~protocol.reports.charts.own_stays`): counted, named by nothing."""
    time_zone: str = "UTC"
    """The facility's zone (``facility_time.zone_name``): RN runs are read in it."""
    posting_months: int = RETENTION_MONTHS
    """How long posted daily staffing is kept (its records profile's)."""

    @classmethod
    def from_rows(cls, facility: Row, rows: Iterable[Row], *, data_as_of: str = "",
                  hours_days: HoursDays | None = None) -> FacilityFacts:
        """``hours_days``, when given, names the days (from the facility's settings)
        outside which an hours entry cannot change what is asked (e.g.
        :func:`protocol.reports.staffing.hours_window`): the entries begun outside
        them are left out, corrections and voids always kept (they change others)."""
        by_kind: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_kind[row.kind].append(row)
        residents = {r.id: r.data for r in by_kind["resident"] if r.status == ACTIVE}
        # Ours, of the residents on file and the charts destroyed here (own_stays).
        stays, destroyed = own_stays(((r.id, r.data, r.status) for r in by_kind["stay"]),
                                     residents, facility.id)
        staff = {r.id: r.data for r in by_kind["staff"] if r.status == ACTIVE}
        state = str(facility.data.get("state_code") or "")
        settings = facility_settings(facility)
        if hours_days is not None:
            first, last = (day.isoformat() for day in hours_days(settings))
            by_kind["hours"] = [  # the usual case tested here, the rest by _begun_within
                r for r in by_kind["hours"]
                if ((text := r.data.get("clock_in") or r.data.get("work_date")).__class__ is str
                    and first <= text[:10] <= last) or _begun_within(r.data, first, last)]

        def mine(kind: str, owner: str, among: Mapping[str, Any]) -> tuple[Row, ...]:
            return tuple(_live(by_kind[kind], owner, among))

        trainings = tuple(r for r in _live(by_kind["training"]))
        return cls(
            facility_id=facility.id, name=str(facility.data.get("name") or ""),
            state_code=state, settings=settings, residents=residents, stays=stays,
            assessments=tuple(r for r in by_kind["assessment"] if r.status == ACTIVE
                              and r.data.get("resident_id") in residents),
            staff=staff, licenses=tuple(r for r in _live(by_kind["license"], "staff_id", staff)
                                        if r.status == ACTIVE),
            hours=mine("hours", "staff_id", staff), trainings=trainings,
            reviews=mine("review", "staff_id", staff),
            registry=mine("registry_check", "staff_id", staff),
            leave=mine("paid_leave", "staff_id", staff),
            bulletins=tuple(r for r in by_kind["bulletin"] if r.status == ACTIVE),
            people=tuple(_person(r) for r in by_kind["user"]), beds=len(by_kind["bed"]),
            data_as_of=data_as_of, destroyed_stays=destroyed, time_zone=zone_name(facility.data),
            posting_months=facility_profile(facility.data).posted_staffing_months,
            transfers_out=tuple(
                t for r in by_kind[TRANSFER_KIND]
                if (t := TransferOut.from_row(r.id, r.data)) is not None))

    # --- staffing -----------------------------------------------------------------------

    @cached_property
    def shifts(self) -> tuple[Shift, ...]:
        """Entries with clock times, as shifts."""
        return tuple(Shift(d["staff_id"], int(d["job_title_code"]), int(d["pay_type_code"]),
                           *times)
                     for row in self.hours for d in (row.data,)
                     if (times := _times(d)) is not None)

    @cached_property
    def _timed_hours(self) -> tuple[tuple[Row, int, ShiftTimes | None], ...]:
        """Each hours entry with its job title and clock times, read once: the
        daily entries and the RN shifts both need them (a quarter of a large
        facility is ten thousand entries, their clock times twenty thousand)."""
        return tuple([(row, int(row.data["job_title_code"]), _times(row.data))
                      for row in self.hours])

    @cached_property
    def _rn_hours(self) -> tuple[tuple[Row, int, ShiftTimes | None], ...]:
        """The entries coded 5–7 (a small part of the hours), with their clock times."""
        return tuple([read for read in self._timed_hours if read[1] in RN_CODES])

    @cached_property
    def rn_shifts(self) -> tuple[Shift, ...]:
        """The shifts coded 5–7: all that RN coverage reads."""
        return tuple(Shift(row.data["staff_id"], code, int(row.data["pay_type_code"]), *times)
                     for row, code, times in self._rn_hours if times is not None)

    def entries_of(self, staff_id: str) -> tuple[WorkEntry, ...]:
        """:attr:`entries` of one staff member, in the same order: what the nurse-aide
        rules read of an aide (they keep only that aide's entries), sorted out in one
        pass over the facility's hours instead of one pass per aide and rule."""
        return self._entries_by_staff.get(staff_id, ())

    @cached_property
    def _entries_by_staff(self) -> dict[str, tuple[WorkEntry, ...]]:
        by_staff: dict[str, list[WorkEntry]] = defaultdict(list)
        for entry in self.entries:
            by_staff[entry.staff_id].append(entry)
        return {staff_id: tuple(mine) for staff_id, mine in by_staff.items()}

    @cached_property
    def entries(self) -> tuple[WorkEntry, ...]:
        """Worked minutes per calendar day: timed shifts split at midnight, the
        others on their work date. ``staff_id`` is the staff record's id.

        Each record is read here once (a quarter of a large facility is ten
        thousand): no shift is made on the way, and the split counts whole
        minutes as integers (:func:`~protocol.rules.staffing.worktime.work_entries`)."""
        out: list[WorkEntry] = []
        for row, code, times in self._timed_hours:
            d = row.data
            pay = int(d["pay_type_code"])
            if times is not None:
                out += work_entries(d["staff_id"], code, pay, *times)
                continue
            worked_on = _d(d, "work_date")
            if worked_on is not None:
                out.append(WorkEntry(d["staff_id"], code, pay, worked_on,
                                     Decimal(str(d["hours"])) * MINUTES_PER_HOUR))
        return tuple(out)

    @cached_property
    def untimed_rn_days(self) -> frozenset[date]:
        """Days with RN hours entered without clock times (coverage cannot be judged)."""
        return frozenset(d for row, _, times in self._rn_hours
                         if times is None and (d := _d(row.data, "work_date")) is not None)

    @cached_property
    def posted_work(self) -> tuple[PostedWork, ...]:
        out = []
        for row in self.hours:
            day = _d(row.data, "work_date")
            if day is None:
                continue
            out.append(PostedWork(row.data["staff_id"], int(row.data["job_title_code"]), day,
                                  shift_of(row.data.get("shift"),
                                           moment_of(row.data.get("clock_in"))),
                                  Decimal(str(row.data["hours"])) * MINUTES_PER_HOUR))
        return tuple(out)

    @cached_property
    def paid_leave(self) -> tuple[PaidLeave, ...]:
        return tuple(PaidLeave(r.data["staff_id"], d, Decimal(str(r.data["hours"])) * 60)
                     for r in self.leave if (d := _d(r.data, "leave_date")) is not None)

    @property
    def don_staff_id(self) -> str | None:
        named = sorted(sid for sid, d in self.staff.items() if d.get("director_of_nursing"))
        return named[0] if named else None

    # --- people ---------------------------------------------------------------------------

    def staff_name(self, staff_id: str) -> str:
        d = self.staff.get(staff_id, {})
        return f"{d.get('family_name', '')}, {d.get('given_name', '')}".strip(", ") or staff_id

    def employee_id(self, staff_id: str) -> str:
        return str(self.staff.get(staff_id, {}).get("employee_id") or staff_id)

    @cached_property
    def license_records(self) -> tuple[LicenseRecord, ...]:
        return tuple(LicenseRecord.from_fields(r.id, r.data) for r in self.licenses)

    def aide(self, staff_id: str) -> Aide:
        d = self.staff[staff_id]
        return Aide(staff_id, _d(d, "hire_date"), state_codes(d.get("registry_states")),
                    _d(d, "competent_on"), _d(d, "paid_nursing_before_hire"))

    @cached_property
    def registry_checks(self) -> tuple[RegistryCheck, ...]:
        return tuple(RegistryCheck(r.data["staff_id"], str(r.data["state"]), d,
                                   bool(r.data.get("in_good_standing")))
                     for r in self.registry if (d := _d(r.data, "checked_on")) is not None)

    @cached_property
    def in_services(self) -> tuple[InService, ...]:
        return tuple(InService(staff_id, d, Decimal(int(r.data["minutes"])),
                               frozenset(r.data.get("topics") or ()), r.id)
                     for r in self.trainings if (d := _d(r.data, "held_on")) is not None
                     for staff_id in r.data.get("attendees") or () if staff_id in self.staff)

    @cached_property
    def performance_reviews(self) -> tuple[Review, ...]:
        return tuple(Review(r.data["staff_id"], d, frozenset(r.data.get("weaknesses") or ()),
                            r.id)
                     for r in self.reviews if (d := _d(r.data, "reviewed_on")) is not None)

    # --- residents ------------------------------------------------------------------------

    def resident_name(self, resident_id: str) -> str:
        """The resident's name; of one transferred out, the name kept with the stay."""
        d = self.residents.get(resident_id)
        if d is None and resident_id in self.departed:
            return self.departed[resident_id].name
        d = d or {}
        return f"{d.get('family_name', '')}, {d.get('given_name', '')}".strip(", ")

    def resident_mrn(self, resident_id: str) -> str:
        d = self.residents.get(resident_id)
        if d is None and resident_id in self.departed:
            return self.departed[resident_id].mrn
        return str((d or {}).get("mrn") or "")

    @cached_property
    def stay_facts(self) -> tuple[StayFacts, ...]:
        """The stays on file here (not those transferred out: :attr:`census_stays`)."""
        return tuple(StayFacts.from_stay(sid, s) for sid, s in sorted(self.stays.items())
                     if day_of(s.get("admitted_at")) is not None)

    @cached_property
    def moved_out(self) -> tuple[TransferOut, ...]:
        """The stays transferred out whose records are no longer here (the terminal
        keeps a stay it transferred until the server's answer takes it away) nor
        destroyed here since (then nothing is owed)."""
        return tuple(t for t in self.transfers_out
                     if t.stay_id not in self.stays and t.stay_id not in self.destroyed_stays)

    @cached_property
    def departed(self) -> Mapping[str, TransferOut]:
        """Residents transferred out and not here now, by id: their latest stay here."""
        latest: dict[str, TransferOut] = {}
        for t in sorted(self.moved_out, key=lambda t: (t.left_on, t.stay_id)):
            if t.resident_id not in self.residents:
                latest[t.resident_id] = t
        return latest

    @cached_property
    def kept_stays(self) -> tuple[tuple[TransferOut, StayFacts, Mapping[str, Any]], ...]:
        """The stays of this facility that moved with a chart transferred out and are
        no longer on file, each with its transfer and what is kept of it: every stay
        of the residence the transfer ended (:meth:`TransferOut.census_stays`), once."""
        seen = {*self.stays, *self.destroyed_stays}
        out = []
        for t in self.transfers_out:
            kept = {**dict(t.earlier), t.stay_id: t.stay}
            for f in t.census_stays():
                if f.stay_id not in seen:
                    seen.add(f.stay_id)
                    out.append((t, f, kept[f.stay_id]))
        return tuple(out)

    @cached_property
    def destroyed_facts(self) -> tuple[StayFacts, ...]:
        return tuple(StayFacts.from_stay(i, s) for i, s in sorted(self.destroyed_stays.items())
                     if day_of(s.get("admitted_at")) is not None)

    @cached_property
    def census_stays(self) -> tuple[StayFacts, ...]:
        """Every stay this facility's census counts: those on file, those of charts
        it destroyed, and those that moved with a chart it transferred out, the last
        up to the transfer (:meth:`TransferOut.census_stay`)."""
        return self.stay_facts + self.destroyed_facts + tuple(f for _, f, _ in self.kept_stays)

    def stays_of(self, resident_id: str) -> list[Mapping[str, Any]]:
        return [s for s in self.stays.values() if s.get("resident_id") == resident_id]

    def assessments_of(self, resident_id: str) -> list[Assessment]:
        return [assessment_of(row.id, row.data) for row in self.assessments
                if row.data.get("resident_id") == resident_id]
