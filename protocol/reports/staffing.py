"""Staffing findings for a period, and the three staffing reports built on them:
the posted daily staffing sheet, compliance by day, and compliance over the period
(a quarter, as a surveyor or PBJ reads it). docs/rules.md §1.2, §2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from protocol.rules.calendar import ONE_DAY, Quarter, each_day
from protocol.rules.records.facility_time import zone_of
from protocol.rules.residents.census_stats import daily_census
from protocol.rules.staffing.hprd import (
    RiskFlag,
    StaffingAssessment,
    assess_staffing,
    judgement_words,
    risk_flags,
)
from protocol.rules.staffing.judged_days import RESULT, WORDS, DayJudged, not_judged
from protocol.rules.staffing.posting import (
    POSTED,
    RETENTION_MONTHS,
    SHIFTS,
    daily_posting,
    keep_until,
)
from protocol.rules.staffing.profile import Basis, Category
from protocol.rules.staffing.rn_coverage import (
    CoverageStatus,
    DayCoverage,
    DonStatus,
    DonWeek,
    full_time_don,
    occupancy_span,
    rn_coverage,
)

from .facts import FacilityFacts
from .model import Column, figure
from .settings import FacilitySettings

SHOWN = (Category.TOTAL, Category.RN, Category.LPN, Category.AIDE)


def census_span(facts: FacilityFacts, start: date, end: date, today: date) -> tuple[date, date]:
    """The days whose midnight census the staffing rules read for ``start``–``end``."""
    return _census_span(facts.settings, start, end, today)


def _census_span(settings: FacilitySettings, start: date, end: date, today: date
                 ) -> tuple[date, date]:
    method = settings.occupancy_method
    first = min(occupancy_span(start, today, method)[0], start)
    last = max(occupancy_span(end, today, method)[1], end)
    return first, last


SHIFT_REACH = timedelta(days=2)
"""How far past the day it began a shift can reach: at most 22.5 hours worked plus a
meal of at most 4 hours (the hours record's checks), so the two days after it."""
WEEK_REACH = timedelta(days=6)
"""A week touching the period begins at most six days before it and ends at most six
days after it (:func:`~protocol.rules.staffing.rn_coverage.full_time_don`)."""


def hours_window(settings: FacilitySettings, start: date, end: date, today: date
                 ) -> tuple[date, date]:
    """The days on which an hours entry must begin to count in the staffing findings
    for ``start``–``end``: the weeks the full-time DON rule reads around the period,
    the census span (an RN entry without clock times in it is noted), and the days
    before them that a shift begun earlier still reaches. Entries outside it change
    none of the findings, so a report need not read them."""
    first, last = _census_span(settings, start, end, today)
    return (min(first, start - WEEK_REACH) - SHIFT_REACH, max(last, end + WEEK_REACH))



@dataclass(frozen=True)
class StaffingFindings:
    facts: FacilityFacts
    start: date
    end: date
    census: Mapping[date, int]
    assessment: StaffingAssessment
    coverage: tuple[DayCoverage, ...]
    don_weeks: tuple[DonWeek, ...]
    flags: tuple[RiskFlag, ...]
    unjudged: Mapping[date, DayJudged]
    """The period's days no staffing rule judges, with why (§2.9): today and later
    (in progress), days with no resident in the house."""

    @property
    def informational(self) -> bool:
        return self.facts.settings.profile.informational

    @cached_property
    def day_problems(self) -> dict[date, list[str]]:
        """Each judged day's failures in words (a day not listed passed, or is not
        judged: :attr:`unjudged`)."""
        out: dict[date, list[str]] = {d: [] for d in each_day(self.start, self.end)
                                      if d not in self.unjudged}
        if not self.informational:
            for j in self.assessment.shortfalls:
                if j.minimum.basis is Basis.DAY and j.start in out:
                    out[j.start].append(judgement_words(j))
        for c in self.coverage:
            if c.day not in out:
                continue
            if c.status is CoverageStatus.NOT_MET:
                words = f"RN 8 consecutive hours not met: {c.words}"
                if c.day in self.facts.untimed_rn_days:
                    words += ("; some RN hours were entered without clock times and "
                              "cannot be judged")
                out[c.day].append(words)
            elif c.all_day is False:
                out[c.day].append("no RN on duty for part of the day (24-hour RN required)")
        return {d: p for d, p in out.items() if p}

    def coverage_on(self, day: date) -> DayCoverage | None:
        return next((c for c in self.coverage if c.day == day), None)


def staffing_findings(facts: FacilityFacts, start: date, end: date, today: date
                      ) -> StaffingFindings:
    settings = facts.settings
    first, last = census_span(facts, start, end, today)
    census = daily_census(facts.census_stays, first, last)
    entries = facts.entries
    assessment = assess_staffing(entries, census, start, end, settings.profile)
    unjudged = not_judged(start, end, today,
                          daily_census(facts.census_stays, start - ONE_DAY, end))
    coverage = rn_coverage(facts.rn_shifts, census, start, end, today=today,
                           profile=settings.profile, day_start=settings.day_start,
                           waivers=settings.waivers,
                           occupancy_method=settings.occupancy_method,
                           zone=zone_of(facts.time_zone))
    don = full_time_don(entries, start, end, settings.profile, leave=facts.paid_leave,
                        don_staff_id=facts.don_staff_id)
    return StaffingFindings(facts, start, end, census, assessment, coverage, don,
                            risk_flags(entries, start, end, not_judged=unjudged), unjudged)


# --- posted daily staffing ----------------------------------------------------------------

POSTING_COLUMNS = (
    Column("date", "Date", width=1.3), Column("shift", "Shift"),
    Column("census", "Census", True),
    *(col for category in POSTED for col in (
        Column(f"{category}_people", f"{category} on duty", True),
        Column(f"{category}_hours", f"{category} hours", True))),
)


def posting_rows(facts: FacilityFacts, start: date, end: date
                 ) -> tuple[tuple[str, ...], ...]:
    census = daily_census(facts.census_stays, start, end)
    rows = []
    for day in each_day(start, end):
        sheet = daily_posting(facts.posted_work, day, census[day])
        for shift in SHIFTS:
            cells = [day.isoformat(), shift, str(sheet.census)]
            for category in POSTED:
                line = sheet.line(shift, category)
                cells += [str(line.people), figure(line.hours)]
            rows.append(tuple(cells))
    return tuple(rows)


def posting_retention(end: date, months: int = RETENTION_MONTHS) -> str:
    """How long the postings of a period ending ``end`` are kept: ``months`` (the
    facility's records profile: 18, or its state's longer period)."""
    why = ("18 months (42 CFR 483.35(g))" if months == RETENTION_MONTHS
           else f"{months} months under state law (federal: 18)")
    return f"keep these postings through {keep_until(end, months).isoformat()} ({why})"


# --- by day -------------------------------------------------------------------------------

DAY_COLUMNS = (
    Column("date", "Date", width=1.3), Column("census", "Census", True),
    Column("total_hours", "Nurse hours", True), Column("rn_hours", "RN hours", True),
    Column("lpn_hours", "LPN hours", True), Column("aide_hours", "Aide hours", True),
    Column("total_hprd", "Total HPRD", True), Column("rn_hprd", "RN HPRD", True),
    Column("aide_hprd", "Aide HPRD", True), Column("rn_run", "Longest RN run", width=1.1),
    Column("result", "Result"), Column("why", "Why", width=5.0),
)


def day_rows(findings: StaffingFindings) -> tuple[tuple[tuple[str, ...], ...], frozenset[int]]:
    rows, failing = [], set()
    problems = findings.day_problems
    for index, day in enumerate(findings.assessment.days):
        coverage = findings.coverage_on(day.day)
        run = ""
        if coverage is not None:
            minutes = int(coverage.longest.total_seconds() // 60)
            run = f"{minutes // 60} h {minutes % 60:02d}"
            if coverage.status is CoverageStatus.WAIVED:
                run += " (waived)"
        why = problems.get(day.day, [])
        result = "FAIL" if why else ("no value" if day.census == 0 else "ok")
        if day.census == 0:
            why = [*why, "census 0: no HPRD for this day"]
        if (unjudged := findings.unjudged.get(day.day)) is not None:
            result, why = RESULT[unjudged], [WORDS[unjudged]]
        if why and result == "FAIL":
            failing.add(index)
        rows.append((day.day.isoformat(), str(day.census),
                     *(figure(day.hours(c)) for c in SHOWN),
                     *(figure(day.hprd(c)) for c in (Category.TOTAL, Category.RN,
                                                     Category.AIDE)),
                     run, result, "; ".join(why)))
    return tuple(rows), frozenset(failing)


# --- over the period ------------------------------------------------------------------------

PERIOD_COLUMNS = (Column("what", "What", width=1.4), Column("span", "When", width=1.6),
                  Column("finding", "Finding", width=6.0), Column("status", "Status"))


def period_rows(findings: StaffingFindings) -> tuple[tuple[tuple[str, ...], ...], frozenset[int]]:
    a = findings.assessment
    profile = findings.facts.settings.profile
    rows: list[tuple[str, ...]] = []
    failing: set[int] = set()

    def add(what: str, span: str, finding: str, status: str, *, fails: bool = False) -> None:
        if fails:
            failing.add(len(rows))
        rows.append((what, span, finding, status))

    span = f"{a.start.isoformat()} to {a.end.isoformat()}"
    for category in SHOWN:
        hours = a.minutes(category) / 60
        add(f"{category.value} HPRD", span, f"{figure(hours)} h ÷ {a.resident_days} resident "
            f"days = {figure(a.hprd(category))}", "figure")
    unjudged = findings.unjudged
    for j in a.judgements:
        if j.minimum.basis is Basis.DAY:
            continue
        status = "met" if j.met else "no value" if j.met is None else (
            "benchmark gap" if profile.informational else "NOT MET")
        if status != "met":
            status = _unjudged_status(unjudged, j.start, j.end) or status
        add(f"{j.minimum.category.value} minimum ({j.minimum.basis.value})",
            f"{j.start.isoformat()} to {j.end.isoformat()}",
            judgement_words(j, informational=profile.informational), status,
            fails=status == "NOT MET")
    judged = [c for c in findings.coverage if c.day not in unjudged]
    counts = {s: sum(1 for c in judged if c.status is s) for s in CoverageStatus}
    skipped = sum(1 for c in findings.coverage if c.day in unjudged)
    add("RN 8 hours", span, f"{counts[CoverageStatus.MET]} days met, "
        f"{counts[CoverageStatus.NOT_MET]} not met, {counts[CoverageStatus.WAIVED]} waived"
        + (f", {skipped} not judged (in progress or no residents)" if skipped else ""),
        "NOT MET" if counts[CoverageStatus.NOT_MET] else "met" if judged else "not judged",
        fails=bool(counts[CoverageStatus.NOT_MET]))
    for week in findings.don_weeks:
        status = str(week.status).replace("_", " ")
        if week.status is DonStatus.NOT_MET:
            status = _unjudged_status(unjudged, max(week.start, findings.start),
                                      min(week.end, findings.end)) or "NOT MET"
        bad = status == "NOT MET"
        who = findings.facts.staff_name(week.staff_id) if week.staff_id else ""
        add("Full-time DON", f"{week.start.isoformat()} to {week.end.isoformat()}",
            week.words.replace(f"{week.staff_id}: ", f"{who}: ") if week.staff_id
            else week.words, status, fails=bad)
    for flag in findings.flags:
        words = flag.words
        if flag.staff_id:
            words = words.replace(flag.staff_id, findings.facts.staff_name(flag.staff_id))
        add("CMS risk flag", f"{flag.start.isoformat()} to {flag.end.isoformat()}", words,
            "FLAG", fails=True)
    for day, problems in sorted(findings.day_problems.items()):
        add("Failing day", day.isoformat(), "; ".join(problems), "FAIL", fails=True)
    return tuple(rows), frozenset(failing)


def _unjudged_status(unjudged: Mapping[date, DayJudged], start: date, end: date
                     ) -> str | None:
    """A span's status when a rule over it is short but cannot be judged yet (it
    reaches today: in progress) or at all (no day of it had residents)."""
    if end >= start and unjudged.get(end) is DayJudged.IN_PROGRESS:
        return RESULT[DayJudged.IN_PROGRESS]
    if all(unjudged.get(d) is DayJudged.NO_RESIDENTS for d in each_day(start, end)):
        return RESULT[DayJudged.NO_RESIDENTS]
    return None


def minimums_words(findings: StaffingFindings) -> str:
    profile = findings.facts.settings.profile
    if not profile.minimums:
        return "no HPRD minimum (federal floor: RN 8 consecutive hours a day, full-time DON)"
    return "; ".join(f"{m.category.value} ≥ {m.hprd} per {m.basis.value}"
                     for m in profile.minimums)


def quarters_of(start: date, end: date) -> list[Quarter]:
    out, day = [], start
    while day <= end:
        quarter = Quarter.of(day)
        out.append(quarter)
        day = quarter.end + ONE_DAY
    return out


def hprd_series(findings: StaffingFindings) -> dict[str, list[Decimal | None]]:
    """Daily HPRD by category, for the terminal's chart."""
    return {c.value: [d.hprd(c) for d in findings.assessment.days] for c in SHOWN}
