"""Every report by name: one definition gives the rows and metadata that the PDF,
CSV and JSON renderers (:mod:`protocol.reports.render`) print, at the terminal,
at the server, and for the portal and inspectors next.

=============================  ==========================================================
``posted-staffing``            posted daily staffing sheet, shift by shift (483.35(g))
``staffing-days``              staffing compliance by day: HPRD, RN 8 hours, why a day fails
``staffing-quarter``           staffing over the period: minimums by week and period, DON
                               weeks, CMS risk flags, every failing day
``licenses``                   license and registry roster with expiry
``training``                   nurse aides' in-service hours, reviews, 4- and 24-month rules
``mds``                        MDS schedule: due, overdue and late items
``census``                     alphabetical census on the last day, who is out and where
``admissions``                 admissions in the 30 days ending on the last day
``discharges``                 discharges in the 3 months ending on the last day
``census-stats``               census statistics for the period, by payer
``bulletin-acknowledgements``  regulation bulletins: who acknowledged each when, who is
                               overdue by its due date
=============================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from protocol.rules.staffing.pbj import DEADLINE_WORDS, submission_deadline

from . import bulletins, people, residents, staffing
from .facts import FacilityFacts, HoursDays
from .model import Column, Report, ReportMeta
from .settings import FacilitySettings

Rows = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Built:
    columns: tuple[Column, ...]
    rows: Rows
    summary: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    failing: frozenset[int] = frozenset()
    context: str = ""
    """The page header's words after the period, for a report not about staffing."""


Builder = Callable[[FacilityFacts, date, date, date], Built]


@dataclass(frozen=True)
class Reads:
    """What a report reads of a facility's records, so a loader may read no more
    (the facts from fewer records give the same report)."""

    kinds: frozenset[str] | None = None
    """The record kinds (None: every kind the reports read)."""
    hours: Callable[[FacilitySettings, date, date, date], tuple[date, date]] | None = None
    """The days on which the hours entries it reads begin, from the facility's
    settings, the period and today (None: all of them)."""

    def hours_days(self, start: date, end: date, today: date) -> HoursDays | None:
        """:attr:`hours` for one period, as :meth:`FacilityFacts.from_rows` takes it."""
        window = self.hours
        if window is None:
            return None
        return lambda settings: window(settings, start, end, today)


STAFFING_READS = Reads(frozenset({"facility", "resident", "stay", "staff", "hours",
                                  "paid_leave"}), staffing.hours_window)
"""The staffing findings: the census (residents, stays), the staff and the hours
around the period (:func:`~protocol.reports.staffing.hours_window`), paid leave."""


def _posted(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    del today
    return Built(staffing.POSTING_COLUMNS, staffing.posting_rows(facts, start, end),
                 (("Retention", staffing.posting_retention(end, facts.posting_months)),),
                 (("Each shift is posted at its start with the census and, for RN, LPN/LVN "
                  "and CNA, the number on duty and their actual hours (42 CFR 483.35(g)). "
                  "A shift belongs to the date it starts; nurse aides are PBJ codes 10–12."),))


def _days(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    findings = staffing.staffing_findings(facts, start, end, today)
    rows, failing = staffing.day_rows(findings)
    a = findings.assessment
    no_rn = sum(1 for c in findings.coverage
                if c.no_rn_hours and c.day not in findings.unjudged)
    unjudged = (f", {len(findings.unjudged)} not judged (in progress or no residents)"
                if findings.unjudged else "")
    return Built(staffing.DAY_COLUMNS, rows, (
        ("Minimums", staffing.minimums_words(findings)),
        ("Days", (f"{len(rows)} in the period, {len(failing)} failing, "
                 f"{len(a.zero_census_days)} with census 0, {no_rn} with no RN hours"
                  f"{unjudged}")),
        ("DON occupancy method", facts.settings.occupancy_words),
    ), _staffing_notes(findings), failing)


def _quarter(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    findings = staffing.staffing_findings(facts, start, end, today)
    rows, failing = staffing.period_rows(findings)
    deadlines = "; ".join(f"{q} due {submission_deadline(q).isoformat()} {DEADLINE_WORDS}"
                          for q in staffing.quarters_of(start, end))
    return Built(staffing.PERIOD_COLUMNS, rows, (
        ("Minimums", staffing.minimums_words(findings)),
        ("Resident days", str(findings.assessment.resident_days)),
        ("Failing days", str(len(findings.day_problems))),
        ("PBJ deadlines", deadlines),
        ("DON occupancy method", facts.settings.occupancy_words),
    ), _staffing_notes(findings), failing)


def _staffing_notes(findings: staffing.StaffingFindings) -> tuple[str, ...]:
    notes = [("HPRD = worked hours ÷ resident days of the midnight census, compared unrounded "
             "and shown rounded half up; a day with census 0 has no value (docs/rules.md §2).")]
    if findings.informational:
        notes.append("This profile is a benchmark, informational only, not a legal minimum.")
    if findings.facts.untimed_rn_days & set(findings.census):
        notes.append("Some RN hours were entered without clock times: RN coverage is judged "
                     "on timed shifts only.")
    return tuple(notes)


def _licenses(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    rows, failing, _items = people.roster_rows(facts, start, end, today)
    return Built(people.ROSTER_COLUMNS, rows, (
        ("Licenses and registry checks", f"{len(rows)} lines, {len(failing)} needing action"),
    ), (("A license is valid through its expiry date; only the newest verified record "
        "counts. Nurse aides are cleared through the registry before their first shift."),),
        failing)


def _training(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    del start, end
    rows, failing, items = people.training_rows(facts, today)
    return Built(people.TRAINING_COLUMNS, rows, (
        ("Nurse aides", str(len(people.aides(facts)))),
        ("Needing action", str(len(people.needs_action(items)))),
    ), (("At least 12 hours of in-service a year including dementia management and abuse "
        "prevention (42 CFR 483.95(g)); a performance review at least every 12 months "
        "(42 CFR 483.35(d)(7))."),), failing)


def _mds(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    rows, failing, items = residents.mds_rows(facts, start, end, today)
    action = [i for i in items if i.needs_action]
    return Built(residents.MDS_COLUMNS, rows, (
        ("Needing action", str(len(action))),
        ("Overdue or late", str(len(failing))),
    ), (("Calendar days, never rolled past a weekend or holiday (42 CFR 483.20; RAI Manual "
        "ch. 2). A hospital leave recorded as an admission is an MDS discharge and "
        "re-entry."),), failing)


def _census(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    del start
    on = min(end, today)
    rows = residents.census_rows(facts, on)
    out = sum(1 for r in rows if r[5].startswith("OUT"))
    return Built(residents.CENSUS_COLUMNS, rows, (
        ("As of", on.isoformat()), ("Residents", str(len(rows))), ("Out of the facility",
                                                                    str(out))),
        failing=frozenset(i for i, r in enumerate(rows) if r[5].startswith("OUT")))


def _admissions(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    del start, today
    first, rows = residents.admission_rows(facts, end)
    return Built(residents.ADMISSION_COLUMNS, rows, (
        ("Admitted", f"{first.isoformat()} to {end.isoformat()} (30 days)"),
        ("Admissions", str(len(rows)))))


def _discharges(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    del start, today
    first, rows = residents.discharge_rows(facts, end)
    return Built(residents.DISCHARGE_COLUMNS, rows, (
        ("Discharged", f"{first.isoformat()} to {end.isoformat()} (3 months)"),
        ("Discharges", str(len(rows)))))


def _stats(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    del today
    statistics, note = residents.stats(facts, start, end)
    notes = (("Midnight census; leave and bed-hold days are reported apart; each day goes "
             "to the payer in force that day (docs/rules.md §4)."),)
    return Built(residents.STATS_COLUMNS, residents.stats_rows(statistics),
                 residents.stats_summary(statistics), (*notes, *([note] if note else [])))


def _bulletins(facts: FacilityFacts, start: date, end: date, today: date) -> Built:
    found = bulletins.acknowledgements(facts, start, end, today)
    return Built(bulletins.COLUMNS, found.rows, found.summary(), (bulletins.NOTE,),
                 found.failing, bulletins.CONTEXT)


REPORTS: dict[str, tuple[str, Builder]] = {
    "posted-staffing": ("Posted daily staffing", _posted),
    "staffing-days": ("Staffing compliance by day", _days),
    "staffing-quarter": ("Staffing compliance over the period", _quarter),
    "licenses": ("License and registry roster", _licenses),
    "training": ("Nurse aide training and review status", _training),
    "mds": ("MDS assessment schedule", _mds),
    "census": ("Alphabetical census", _census),
    "admissions": ("Admissions in the last 30 days", _admissions),
    "discharges": ("Discharges in the last 3 months", _discharges),
    "census-stats": ("Census statistics", _stats),
    "bulletin-acknowledgements": ("Regulation bulletin acknowledgements", _bulletins),
}
"""Name → (title, definition)."""

RESIDENT_READS = Reads(frozenset({"facility", "bed", "resident", "stay", "assessment"}))
"""The resident reports (MDS schedule, census, admissions, discharges, census
statistics): the facility's settings and beds, the residents, their stays and
assessments; never the staff or their hours (most of a facility's records)."""

READS: dict[str, Reads] = {
    "staffing-days": STAFFING_READS, "staffing-quarter": STAFFING_READS,
    **dict.fromkeys(("mds", "census", "admissions", "discharges", "census-stats"),
                    RESIDENT_READS)}
"""What the reports that read less than everything read."""


def reads(name: str) -> Reads:
    """What the report ``name`` reads (everything unless :data:`READS` says less)."""
    return READS.get(name, Reads())


class UnknownReport(ValueError):
    pass


def build_report(name: str, facts: FacilityFacts, start: date, end: date, *, today: date,
                 meta: ReportMeta) -> Report:
    """The report ``name`` over ``start``–``end`` (both included)."""
    if name not in REPORTS:
        raise UnknownReport(f"no report {name!r}; one of {', '.join(REPORTS)}")
    if end < start:
        raise ValueError("the period ends before it starts")
    title, builder = REPORTS[name]
    built = builder(facts, start, end, today)
    profile = facts.settings.profile
    return Report(name=name, title=title, facility_id=facts.facility_id,
                  facility_name=facts.name, state_code=facts.state_code, start=start, end=end,
                  profile=profile.name + (" (informational)" if profile.informational else ""),
                  day_start=facts.settings.day_start_words, columns=built.columns,
                  rows=built.rows, meta=meta, summary=built.summary, notes=built.notes,
                  failing=built.failing, context=built.context)
