"""RN coverage: 8 consecutive hours every facility day, the DON, and RN 24/7.

- Each facility day needs one unbroken run of RN coverage of at least 8 h 00 min
  (8.0 exactly meets it); the day's total RN hours do not matter. Dates under a
  recorded waiver are reported as waived, not failed (42 CFR 483.35, RN and
  waiver paragraphs; SSA 1819/1919(b)(4)(C)).
- A run is the union of the on-duty intervals (clock-in to clock-out, on site,
  employee or agency) of countable RNs, clipped to the facility day: intervals
  that overlap or touch join, any gap splits. Back-to-back RNs count ("the
  services of a registered nurse", not one person); a meal taken on site does
  not split a run.
- The facility day runs midnight to midnight unless the facility sets another
  start (e.g. 19:00); it is named by the date on which it starts, and a shift
  crossing the boundary counts in both days.
- A run's length is the time that really passed, in the facility's time zone
  when it is given: on the night the clocks spring forward, 00:00–08:00 on the
  wall clock is 7 hours of RN coverage (not met); on the night they fall back,
  00:00–07:00 is 8 hours (met). Without a zone, wall-clock differences.
- Countable RNs: codes 6 and 7 always; the Director of Nursing (code 5) only
  while average daily occupancy is 60 or less (F727: above 60 the DON may not
  serve as charge nurse). Average daily occupancy = average daily census of the
  calendar quarter containing the day, to date while the quarter is open.
- The DON's hours always count as RN hours for the "no RN hours" flag.
- Full-time DON: 40 or more hours coded 5 in each week (F727, Rev. 229); the
  week starts on the profile's weekday (Sunday by default). A week below 40 only
  because of paid leave is flagged for review, not as a violation.
- A profile that needs an RN 24 hours a day (e.g. Maryland, COMAR 10.07.02.19)
  is met when one run covers the whole facility day.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from protocol.pbj import RN_CODES
from protocol.rules.calendar import ONE_DAY, Quarter, each_day, ratio, round_half_up
from protocol.rules.staffing.hprd import check_census
from protocol.rules.staffing.profile import StaffingProfile
from protocol.rules.staffing.worktime import MINUTES_PER_HOUR, PaidLeave, Shift, WorkEntry

DON_CODE = 5
ALWAYS_COUNTABLE = frozenset({6, 7})
RUN_NEEDED = timedelta(hours=8)


@dataclass(frozen=True)
class Waiver:
    """A recorded waiver of the RN requirement, ``start`` through ``end``."""

    start: date
    end: date
    note: str = ""


class CoverageStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    WAIVED = "waived"


def elapsed(start: datetime, end: datetime, zone: tzinfo | None = None) -> timedelta:
    """The time that passed from ``start`` to ``end`` (naive wall-clock times in
    ``zone``): the wall-clock difference, less an hour across the spring change and
    plus one across the autumn one. Without a zone, the wall-clock difference."""
    if zone is None:
        return end - start
    real = (end.replace(tzinfo=zone).astimezone(UTC)
            - start.replace(tzinfo=zone).astimezone(UTC))
    return max(real, timedelta(0))


@dataclass(frozen=True)
class Run:
    start: datetime
    end: datetime
    zone: tzinfo | None = field(default=None, compare=False, repr=False)
    """The facility's time zone: the length is the time that really passed."""

    @property
    def length(self) -> timedelta:
        return elapsed(self.start, self.end, self.zone)

    @property
    def clocks_changed(self) -> bool:
        return self.length != self.end - self.start


def duration_words(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True)
class DayCoverage:
    day: date
    """The facility day, named by the date on which it starts."""
    starts_at: datetime
    ends_at: datetime
    runs: tuple[Run, ...]
    rn_minutes: Decimal
    """Every RN's minutes in the day, codes 5–7, the DON always included."""
    occupancy: Decimal | None
    """Average daily occupancy that decided whether the DON counted."""
    don_countable: bool
    status: CoverageStatus
    all_day: bool | None = None
    """Whether an RN covered the whole day; None when the profile does not ask."""

    @property
    def longest(self) -> timedelta:
        return max((r.length for r in self.runs), default=timedelta(0))

    @property
    def no_rn_hours(self) -> bool:
        return self.rn_minutes == 0

    @property
    def words(self) -> str:
        def shown(moment: datetime) -> str:
            later = (moment.date() - self.day).days
            return f"{moment:%H:%M}" + (f" (+{later})" if later else "")

        runs = ", ".join(f"{shown(r.start)}–{shown(r.end)}" for r in self.runs)
        if self.no_rn_hours:
            text = "no RN hours at all"
        elif not self.runs:
            occupancy = round_half_up(self.occupancy or 0)
            text = (f"RN hours, but only the DON's: at an average daily occupancy of "
                    f"{occupancy} the DON cannot be the RN on duty")
        elif self.status is CoverageStatus.NOT_MET or self.longest < RUN_NEEDED:
            text = f"longest RN run {duration_words(self.longest)}, 8 h needed ({runs})"
        else:
            text = f"RN run of {duration_words(self.longest)} ({runs})"
        if any(r.clocks_changed for r in self.runs):
            text += "; the clocks changed: lengths are the time that really passed"
        if self.status is CoverageStatus.WAIVED:
            text = f"waived; {text}"
        if self.all_day is False:
            text += "; no RN on duty for part of the day (24-hour RN required)"
        return text


def facility_day(day: date, day_start: time = time()) -> tuple[datetime, datetime]:
    """The facility day named ``day``: from its start time that date to the next."""
    begins = datetime.combine(day, day_start)
    return begins, begins + ONE_DAY


class OccupancyMethod(StrEnum):
    """How the average daily occupancy that decides whether the DON counts is
    taken (a facility setting, printed on every staffing report)."""

    QUARTER_TO_DATE = "quarter_to_date"
    """The quarter containing the day, to today while it is open, whole once it
    has ended (re-running an early day of a past quarter may change the answer)."""
    QUARTER_THROUGH_DAY = "quarter_through_day"
    """The quarter containing the day, from its first day through the day itself:
    the answer for a day never changes later."""
    PREVIOUS_QUARTER = "previous_quarter"
    """The whole previous quarter: known on the quarter's first day and fixed for it."""


OCCUPANCY_WORDS: Mapping[OccupancyMethod, str] = {
    OccupancyMethod.QUARTER_TO_DATE: "average daily census of the quarter, to date",
    OccupancyMethod.QUARTER_THROUGH_DAY: "average daily census of the quarter through the day",
    OccupancyMethod.PREVIOUS_QUARTER: "average daily census of the previous quarter",
}


def occupancy_span(day: date, today: date,
                   method: OccupancyMethod = OccupancyMethod.QUARTER_TO_DATE
                   ) -> tuple[date, date]:
    """The days whose census gives the occupancy ``method`` uses for ``day``."""
    quarter = Quarter.of(day)
    if method is OccupancyMethod.PREVIOUS_QUARTER:
        previous = Quarter.of(quarter.start - ONE_DAY)
        return previous.start, previous.end
    if method is OccupancyMethod.QUARTER_THROUGH_DAY:
        return quarter.start, day
    return quarter.start, min(quarter.end, max(today, day))


def average_occupancy(census: Mapping[date, int], day: date, today: date,
                      method: OccupancyMethod = OccupancyMethod.QUARTER_TO_DATE
                      ) -> Decimal | None:
    """Average daily occupancy for the DON rule, taken as ``method`` says (by
    default the ADC of the calendar quarter containing ``day``, to date while it
    is open)."""
    first, last = occupancy_span(day, today, method)
    check_census(census, first, last)
    days = list(each_day(first, last))
    return ratio(sum(census[d] for d in days), len(days))


def _union(intervals: Iterable[tuple[datetime, datetime]], zone: tzinfo | None = None
           ) -> tuple[Run, ...]:
    runs: list[Run] = []
    for start, end in sorted(intervals):
        if runs and start <= runs[-1].end:
            if end > runs[-1].end:
                runs[-1] = Run(runs[-1].start, end, zone)
        else:
            runs.append(Run(start, end, zone))
    return tuple(runs)


def _touching(shifts: list[Shift], begins: datetime, ends: datetime, longest: timedelta
              ) -> list[Shift]:
    """The shifts (sorted by clock-in) that may overlap ``begins``–``ends``."""
    low = bisect_left(shifts, begins - longest, key=lambda s: s.clock_in)
    high = bisect_left(shifts, ends, key=lambda s: s.clock_in)
    return shifts[low:high]


def _clip(shift: Shift, begins: datetime, ends: datetime) -> tuple[datetime, datetime] | None:
    start, end = max(shift.clock_in, begins), min(shift.clock_out, ends)
    return (start, end) if start < end else None


def rn_coverage(shifts: Iterable[Shift], census: Mapping[date, int], start: date, end: date,
                *, today: date, profile: StaffingProfile, day_start: time = time(),
                waivers: Iterable[Waiver] = (),
                occupancy_method: OccupancyMethod = OccupancyMethod.QUARTER_TO_DATE,
                zone: tzinfo | None = None) -> tuple[DayCoverage, ...]:
    """Each facility day from ``start`` through ``end``. ``census`` needs every
    day the occupancy method reads (:func:`occupancy_span`): by default each
    quarter touched, from its first day to date. ``zone``: the facility's time
    zone, in which the shifts' naive clock times are read (:func:`elapsed`)."""
    rn_shifts = sorted((s for s in shifts if s.job_title_code in RN_CODES),
                       key=lambda s: s.clock_in)
    longest = max((s.clock_out - s.clock_in for s in rn_shifts), default=timedelta(0))
    waived = {d for w in waivers for d in each_day(w.start, w.end)}
    out: list[DayCoverage] = []
    occupancies: dict[tuple[date, date], Decimal | None] = {}
    for day in each_day(start, end):
        begins, ends = facility_day(day, day_start)
        span = occupancy_span(day, today, occupancy_method)
        if span not in occupancies:
            occupancies[span] = average_occupancy(census, day, today, occupancy_method)
        occupancy = occupancies[span]
        don_countable = occupancy is not None and \
            occupancy <= profile.don_charge_nurse_max_occupancy
        pieces = [(s, piece) for s in _touching(rn_shifts, begins, ends, longest)
                  if (piece := _clip(s, begins, ends))]
        rn_seconds = sum((b - a) // timedelta(seconds=1) for _, (a, b) in pieces)
        runs = _union((piece for s, piece in pieces
                       if s.job_title_code in ALWAYS_COUNTABLE
                       or (s.job_title_code == DON_CODE and don_countable)), zone)
        met = any(r.length >= RUN_NEEDED for r in runs)
        status = (CoverageStatus.WAIVED if day in waived else
                  CoverageStatus.MET if met else CoverageStatus.NOT_MET)
        all_day = (any(r.start == begins and r.end == ends for r in runs)
                   if profile.rn_24_7 else None)
        out.append(DayCoverage(day, begins, ends, runs, Decimal(rn_seconds) / 60, occupancy,
                               don_countable, status, all_day))
    return tuple(out)


# --- full-time DON -----------------------------------------------------------------------------


class DonStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    REVIEW = "review"
    """Below the hours only because of paid leave."""
    INCOMPLETE = "incomplete"
    """Below the hours in a week the period cuts: its other days were not given."""


@dataclass(frozen=True)
class DonWeek:
    start: date
    end: date
    staff_id: str | None
    minutes: Decimal
    leave_minutes: Decimal
    status: DonStatus
    needed_hours: Decimal

    @property
    def hours(self) -> Decimal:
        return self.minutes / MINUTES_PER_HOUR

    @property
    def words(self) -> str:
        worked = f"{round_half_up(self.hours)} h coded 5 (DON)"
        who = f"{self.staff_id}: " if self.staff_id else ""
        if self.status is DonStatus.MET:
            return f"{who}{worked}"
        leave = round_half_up(self.leave_minutes / MINUTES_PER_HOUR)
        reason = {
            DonStatus.NOT_MET: f"below the {self.needed_hours} hours of a full-time DON",
            DonStatus.REVIEW: f"below {self.needed_hours} hours only because of {leave} h "
                              "of paid leave: review",
            DonStatus.INCOMPLETE: "below the hours, but the week runs outside the period "
                                  "given: include its other days",
        }[self.status]
        return f"{who}{worked}, {reason}"


def full_time_don(entries: Iterable[WorkEntry], start: date, end: date,
                  profile: StaffingProfile, *, leave: Iterable[PaidLeave] = (),
                  don_staff_id: str | None = None) -> tuple[DonWeek, ...]:
    """Every week touching ``start``–``end``. The DON is ``don_staff_id`` or,
    when not given, whoever has the most hours coded 5 in the week."""
    needed = profile.don_full_time_hours * MINUTES_PER_HOUR
    first = start - timedelta(days=(start.weekday() - profile.week_start) % 7)
    worked: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    week_of = {d: first + timedelta(days=7 * ((d - first).days // 7))
               for d in each_day(first, end + timedelta(days=6))}
    for worker, code, _, day, minutes in entries:
        if code == DON_CODE and day in week_of:
            worked[(week_of[day], worker)] += minutes
    away: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for p in leave:
        if p.day in week_of:
            away[(week_of[p.day], p.staff_id)] += p.minutes
    weeks: list[DonWeek] = []
    week = first
    while week <= end:
        people = {staff: minutes for (w, staff), minutes in worked.items() if w == week}
        staff_id = don_staff_id or (max(sorted(people), key=lambda s: people[s])
                                    if people else None)
        minutes = people.get(staff_id, Decimal(0)) if staff_id else Decimal(0)
        leave_minutes = away.get((week, staff_id), Decimal(0)) if staff_id else Decimal(0)
        partial = week < start or week + timedelta(days=6) > end
        if minutes >= needed:
            status = DonStatus.MET
        elif minutes + leave_minutes >= needed:
            status = DonStatus.REVIEW
        elif partial:
            status = DonStatus.INCOMPLETE
        else:
            status = DonStatus.NOT_MET
        weeks.append(DonWeek(week, week + timedelta(days=6), staff_id, minutes,
                             leave_minutes, status, profile.don_full_time_hours))
        week += timedelta(days=7)
    return tuple(weeks)
