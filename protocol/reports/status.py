"""Today's compliance status in words, and the staffing chart's figures: what the
terminal's compliance screen shows and ``scripts/demo --headless`` prints.

Each line has a level: ``ok``, ``warn`` (due soon, or worth a look) or ``fail``
(a rule is broken now); the screen colours them and always says them in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal

from protocol.rules.calendar import Quarter
from protocol.rules.due import DueItem, DueStatus, due_list, overdue_list
from protocol.rules.records.facility_time import zone_of
from protocol.rules.residents.census_stats import daily_census
from protocol.rules.staffing.hprd import NO_RN_DAYS_LIMIT, days_without_rn_hours
from protocol.rules.staffing.judged_days import WORDS, default_period, not_judged
from protocol.rules.staffing.license_standing import license_items
from protocol.rules.staffing.licenses import Band, expiry
from protocol.rules.staffing.nurse_aides import registry_items
from protocol.rules.staffing.pbj import (
    DEADLINE_WORDS,
    local_deadline,
    submission_deadline,
)

from . import people, residents, staffing
from .facts import FacilityFacts

CHART_DAYS = 14


@dataclass(frozen=True)
class StatusLine:
    level: str
    topic: str
    text: str


@dataclass(frozen=True)
class Chart:
    days: tuple[date, ...]
    series: dict[str, list[Decimal | None]]
    """HPRD by category (total, rn, lpn, aide) per day; None for census 0."""
    minimums: dict[str, Decimal]
    """Daily minimums of the profile, by category."""


@dataclass(frozen=True)
class ComplianceStatus:
    today: date
    lines: tuple[StatusLine, ...]
    chart: Chart
    due: dict[str, list[DueItem]]
    """The due lists: ``mds``, ``licenses``, ``registry``, ``in_service``, ``reviews``."""

    @property
    def level(self) -> str:
        levels = {line.level for line in self.lines}
        return "fail" if "fail" in levels else "warn" if "warn" in levels else "ok"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def compliance_status(facts: FacilityFacts, today: date) -> ComplianceStatus:
    lines: list[StatusLine] = []
    first, yesterday = default_period(today, CHART_DAYS)
    findings = staffing.staffing_findings(facts, first, yesterday, today)
    problems = findings.day_problems
    last = problems.get(yesterday)
    quiet = findings.unjudged.get(yesterday)
    lines.append(StatusLine(
        "fail" if last else "ok", "staffing",
        f"Yesterday ({yesterday.isoformat()}): " + (
            "; ".join(last) if last else WORDS[quiet] if quiet else
            "staffing met the profile and the RN 8-hour rule")))
    failing = len(problems)
    empty = len(findings.unjudged) == CHART_DAYS
    lines.append(StatusLine("fail" if failing else "ok", "staffing",
                            f"Last {CHART_DAYS} days: " + (
                                "no residents, staffing not judged" if empty else
                                f"{_plural(failing, 'day')} failing")
                            + (f" ({', '.join(d.isoformat() for d in sorted(problems))})"
                               if failing else "")))
    quarter = Quarter.of(today)
    no_rn = days_without_rn_hours(
        facts.entries, quarter.start, yesterday, not_judged=not_judged(
            quarter.start, yesterday, today,
            daily_census(facts.census_stays, quarter.start - timedelta(days=1), yesterday))
    ) if yesterday >= quarter.start else ()
    lines.append(StatusLine(
        "fail" if len(no_rn) >= NO_RN_DAYS_LIMIT else "warn" if no_rn else "ok", "staffing",
        f"{quarter} so far: {_plural(len(no_rn), 'day')} with no RN hours (CMS flags "
        f"{NO_RN_DAYS_LIMIT} or more)"))
    mds = residents.mds_items(facts, today)
    lic = license_items(facts.license_records, today)
    registry = [i for sid in people.aides(facts) for i in registry_items(
        facts.aide(sid), facts.registry_checks, facts.entries_of(sid))]
    aide_items = people.aide_due_items(facts, today)
    in_service = [i for i in aide_items if i.rule in {"in_service_hours", "review_weakness"}]
    reviews = [i for i in aide_items if i.rule == "performance_review"]
    due = {"mds": mds, "licenses": lic, "registry": registry, "in_service": in_service,
           "reviews": reviews}
    for topic, items, soon in (("MDS", mds, 7), ("licenses", lic, 30),
                               ("registry", registry, 0), ("in-service", in_service, 30),
                               ("reviews", reviews, 30)):
        late = overdue_list(items)
        coming = [i for i in due_list(items) if i.due is None
                  or i.due <= today + timedelta(days=soon)]
        review = [i for i in items if i.status is DueStatus.REVIEW]
        level = "fail" if late else "warn" if coming or review else "ok"
        text = f"{topic}: {len(late)} overdue or violations, {len(coming)} due" + (
            f" within {soon} days" if soon else "") + (
            f", {len(review)} to review" if review else "")
        lines.append(StatusLine(level, topic, text))
    expired = [s for s in lic if s.rule == "license_expiry" and s.due is not None
               and expiry(s.due, today).band is Band.EXPIRED]
    if expired:
        lines.append(StatusLine("fail", "licenses", "Expired: " + "; ".join(
            f"{facts.staff_name(i.subject)} {i.what.removeprefix('renew ')}" for i in expired)))
    previous = Quarter.of(quarter.start - timedelta(days=1))
    # Due at 11:59 pm Eastern: counted on the facility's own calendar (a day
    # later west of the date line), said in CMS's words.
    deadline = local_deadline(previous, zone_of(facts.time_zone) or UTC)
    if today <= deadline:
        lines.append(StatusLine("warn" if (deadline - today).days <= 14 else "ok", "PBJ",
                                f"PBJ file for {previous} due "
                                f"{submission_deadline(previous).isoformat()} {DEADLINE_WORDS} "
                                f"({(deadline - today).days} days left)"))
    else:
        lines.append(StatusLine("ok", "PBJ", f"Next PBJ file: {quarter} due "
                                f"{submission_deadline(quarter).isoformat()} {DEADLINE_WORDS}"))
    minimums = {m.category.value: m.hprd for m in facts.settings.profile.minimums
                if m.basis.value == "day"}
    chart = Chart(tuple(d.day for d in findings.assessment.days),
                  staffing.hprd_series(findings), minimums)
    return ComplianceStatus(today, tuple(lines), chart, due)
