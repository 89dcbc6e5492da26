"""The MDS/OBRA assessment schedule: what is due, what is overdue, and why.

42 CFR 483.20; CMS RAI Manual ch. 2. Calendar days, never rolled past a weekend
or holiday; day arithmetic only (+92, +366), never "+3 months".

- **Admission**: ARD, completion (Z0500B) and CAAs (V0200B2) by day 14, the
  entry date being day 1 (entry + 13); care plan (V0200C2) ≤ CAAs + 7.
- **Quarterly**: ARD ≤ previous OBRA ARD + 92 (OBRA: admission, quarterly,
  annual, significant change or correction; never a discharge); Z0500B ≤ ARD + 14.
  The next one counts from the ARD actually used.
- **Annual**: ARD ≤ previous comprehensive ARD + 366 and ≤ previous OBRA ARD +
  92, the earlier governing; Z0500B and CAAs ≤ ARD + 14; care plan ≤ CAAs + 7.
- **Significant change / significant correction**: ARD, Z0500B and CAAs ≤
  determination + 14; care plan ≤ CAAs + 7. A comprehensive one (change, or
  correction of a comprehensive) restarts both clocks; a correction of a
  quarterly restarts the 92-day clock.
- **Tracking records**: entry (every admission and re-entry) completed ≤ entry
  + 7; death in the facility ≤ death + 7, and no discharge assessment.
  **Discharge assessment**: ARD = discharge date; Z0500B ≤ ARD + 14.
- **Transmission** ≤ 14 days (483.20(f), edit -3810): for comprehensive
  assessments from the care plan (V0200C2), for the others (discharge
  included) from Z0500B, for entry and death records from the event date.
- **Re-entry**: discharged return anticipated and back within 30 days (the
  discharge date + 30 still counts): the schedule continues, and an OBRA
  assessment that fell due while away is due re-entry + 13. A later return, or
  one after return not anticipated, is a new admission.
- **150 days** (CMS PBJ census method): CMS counts a resident until a
  discharge or death record, or until 150 days pass with no MDS record: flag
  residents 150 or more days past their last record, and residents discharged
  with no discharge assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from protocol.errors import ValidationError
from protocol.rules.due import DueItem, DueStatus, status_of
from protocol.rules.residents.mds_closed import is_closed, settle

REENTRY_DAYS = 30
CENSUS_FLAG_DAYS = 150
TRACKING_DAYS = 7
"""An entry or death tracking record is completed within 7 days of the event."""
COMPLETION_DAYS = 14
"""A discharge assessment is completed within 14 days of its ARD (the discharge date)."""


class AssessmentType(StrEnum):
    ADMISSION = "admission"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"
    SIGNIFICANT_CHANGE = "significant_change"
    CORRECTION_COMPREHENSIVE = "significant_correction_comprehensive"
    CORRECTION_QUARTERLY = "significant_correction_quarterly"
    DISCHARGE = "discharge"
    ENTRY = "entry"
    DEATH = "death"


T = AssessmentType
COMPREHENSIVE = frozenset({T.ADMISSION, T.ANNUAL, T.SIGNIFICANT_CHANGE,
                           T.CORRECTION_COMPREHENSIVE})
OBRA = COMPREHENSIVE | {T.QUARTERLY, T.CORRECTION_QUARTERLY}
SIGNIFICANT = frozenset({T.SIGNIFICANT_CHANGE, T.CORRECTION_COMPREHENSIVE,
                         T.CORRECTION_QUARTERLY})
NAMES = {T.ADMISSION: "admission assessment", T.QUARTERLY: "quarterly assessment",
         T.ANNUAL: "annual assessment", T.SIGNIFICANT_CHANGE: "significant change assessment",
         T.CORRECTION_COMPREHENSIVE: "significant correction (comprehensive)",
         T.CORRECTION_QUARTERLY: "significant correction (quarterly)",
         T.DISCHARGE: "discharge assessment", T.ENTRY: "entry tracking record",
         T.DEATH: "death in facility tracking record"}


@dataclass(frozen=True)
class Assessment:
    kind: AssessmentType
    ard: date | None = None
    """A2300; for a discharge assessment, the discharge date."""
    event_on: date | None = None
    """Entry date (A1600) or death date (A2000) of a tracking record."""
    determination_on: date | None = None
    """When a significant change or error was determined."""
    completed_on: date | None = None
    """Z0500B (a tracking record's completion date)."""
    caa_on: date | None = None
    """V0200B2."""
    care_plan_on: date | None = None
    """V0200C2."""
    transmitted_on: date | None = None
    record_id: str | None = None

    @property
    def target(self) -> date | None:
        """The date the record speaks for (its ARD or event date)."""
        return self.ard or self.event_on


class MovementKind(StrEnum):
    ENTRY = "entry"
    DISCHARGE = "discharge"
    DEATH = "death"


@dataclass(frozen=True)
class Movement:
    kind: MovementKind
    on: date
    return_anticipated: bool = False
    """For a discharge: A0310F = 11 (return anticipated)."""


def is_reentry(discharge: Movement, entry_on: date) -> bool:
    """An entry after ``discharge`` continues the schedule (else: new admission)."""
    return (discharge.kind is MovementKind.DISCHARGE and discharge.return_anticipated
            and entry_on <= discharge.on + timedelta(days=REENTRY_DAYS))


@dataclass(frozen=True)
class Episode:
    """An admission and the re-entries that continue its schedule."""

    start: date
    away: tuple[tuple[date, date], ...] = ()
    """(discharge, re-entry) pairs."""
    exit: Movement | None = None
    """The discharge or death that ended it (or may yet be followed by a re-entry)."""

    def last_day(self, today: date) -> date | None:
        """The last day the schedule can run to (None while it goes on)."""
        if self.exit is None:
            return None
        if self.exit.kind is MovementKind.DISCHARGE and self.exit.return_anticipated \
                and today <= self.exit.on + timedelta(days=REENTRY_DAYS):
            return None
        return self.exit.on


def episodes(movements: Sequence[Movement]) -> list[Episode]:
    """Admissions with their re-entries; movements alternate entry, then discharge or death."""
    out: list[Episode] = []
    inside = False
    for move in sorted(movements, key=lambda m: m.on):
        if (move.kind is MovementKind.ENTRY) == inside:
            raise ValidationError("movements", f"{move.kind} on {move.on.isoformat()} is out of "
                                  "order: entries and discharges must alternate")
        if move.kind is MovementKind.ENTRY:
            last = out[-1] if out else None
            if last is not None and last.exit is not None and is_reentry(last.exit, move.on):
                out[-1] = Episode(last.start, (*last.away, (last.exit.on, move.on)))
            else:
                out.append(Episode(move.on))
        else:
            out[-1] = replace(out[-1], exit=move)
        inside = move.kind is MovementKind.ENTRY
    return out


def _d(day: date) -> str:
    return day.isoformat()


def _plus(day: date, days: int) -> date:
    return day + timedelta(days=days)


class _Schedule:
    """Walks one episode's OBRA assessments in ARD order."""

    def __init__(self, resident: str, episode: Episode, today: date) -> None:
        self.resident, self.episode, self.today = resident, episode, today
        self.end = episode.last_day(today)
        self.last_obra: date | None = None
        self.last_comp: date | None = None
        self.items: list[DueItem] = []

    def adjust(self, due: date, why: str) -> tuple[date, str]:
        """Move a date that fell due while the resident was away to re-entry + 13."""
        for left, back in self.episode.away:
            if left < due < back:
                new = _plus(back, 13)
                why += (f"; fell due on {_d(due)} while away (discharged {_d(left)}, return "
                        f"anticipated, re-entered {_d(back)}): due re-entry + 13 = {_d(new)}")
                due = new
        return due, why

    def add(self, rule: str, what: str, due: date, why: str, done: date | None,
            ref: str | None = None) -> None:
        status = status_of(due, done, self.today)
        if done is None and self.end is not None and due > self.end:
            return  # the resident left before it fell due
        exit_ = self.episode.exit
        if done is None and self.end is None and exit_ is not None and due > exit_.on:
            status = DueStatus.ON_HOLD
            why += (f"; the resident is away (discharged {_d(exit_.on)}, return anticipated): "
                    f"if back by {_d(_plus(exit_.on, REENTRY_DAYS))}, due re-entry + 13")
        self.items.append(DueItem(self.resident, rule, what, status, due, why, done, ref))

    def routine_due(self, kind: AssessmentType) -> tuple[date, str] | None:
        if kind is T.ADMISSION or self.last_obra is None:
            if kind is not T.ADMISSION:
                return None
            due = _plus(self.episode.start, 13)
            return self.adjust(due, f"ARD by day 14 (entry {_d(self.episode.start)} = day 1)")
        quarterly = _plus(self.last_obra, 92)
        q_words = f"previous OBRA ARD {_d(self.last_obra)} + 92 = {_d(quarterly)}"
        if kind is T.QUARTERLY or self.last_comp is None:
            return self.adjust(quarterly, f"ARD ≤ {q_words}")
        annual = _plus(self.last_comp, 366)
        return self.adjust(min(annual, quarterly),
                           f"ARD ≤ previous comprehensive ARD {_d(self.last_comp)} + 366 = "
                           f"{_d(annual)} and ≤ {q_words}: the earlier governs")

    def assessment(self, a: Assessment) -> None:
        name = NAMES[a.kind]
        if a.kind in SIGNIFICANT:
            if a.determination_on is None:
                self.items.append(DueItem(self.resident, "significant_determination",
                                          f"{name}: record the determination date",
                                          DueStatus.REVIEW, None,
                                          "its deadlines count from the determination",
                                          ref=a.record_id))
                return
            due = _plus(a.determination_on, 14)
            why = f"determination {_d(a.determination_on)} + 14"
        else:
            found = self.routine_due(a.kind)
            if found is None:
                self.items.append(DueItem(self.resident, "obra_order", name, DueStatus.REVIEW,
                                          None, "no earlier OBRA assessment in this stay to "
                                          "count from", ref=a.record_id))
                return
            due, why = found
        self.add(f"{a.kind}_ard", f"{name}: ARD", due, why, a.ard, a.record_id)
        if a.ard is None:
            return
        fixed = a.kind in SIGNIFICANT or a.kind is T.ADMISSION
        done_by = due if fixed else _plus(a.ard, 14)
        step = why if fixed else f"ARD {_d(a.ard)} + 14"
        self.add(f"{a.kind}_completion", f"{name}: completion (Z0500B)", done_by, step,
                 a.completed_on, a.record_id)
        if a.kind in COMPREHENSIVE:
            self.add(f"{a.kind}_caa", f"{name}: CAAs (V0200B2)", done_by, step, a.caa_on,
                     a.record_id)
            if a.caa_on is not None:
                self.add(f"{a.kind}_care_plan", f"{name}: care plan (V0200C2)",
                         _plus(a.caa_on, 7), f"CAAs {_d(a.caa_on)} + 7", a.care_plan_on,
                         a.record_id)
        base, base_name = ((a.care_plan_on, "care plan (V0200C2)") if a.kind in COMPREHENSIVE
                           else (a.completed_on, "completion (Z0500B)"))
        if base is not None:
            self.add(f"{a.kind}_transmission", f"{name}: transmission", _plus(base, 14),
                     f"{base_name} {_d(base)} + 14 (42 CFR 483.20(f))", a.transmitted_on,
                     a.record_id)
        self.last_obra = a.ard
        if a.kind in COMPREHENSIVE:
            self.last_comp = a.ard

    def next_routine(self, *, pending: bool) -> None:
        if pending:
            return
        if self.last_obra is None:
            kind: AssessmentType = T.ADMISSION
        else:
            annual = _plus(self.last_comp, 366) if self.last_comp else None
            kind = T.ANNUAL if annual and annual <= _plus(self.last_obra, 92) else T.QUARTERLY
        found = self.routine_due(kind)
        if found is not None:
            self.add(f"{kind}_ard", f"{NAMES[kind]}: ARD", found[0], found[1], None)


def _episode_of(spans: list[tuple[Episode, date, date]], day: date | None) -> Episode | None:
    if day is None:
        return spans[-1][0] if spans else None
    return next((e for e, first, last in spans if first <= day <= last), None)


def mds_schedule(resident_id: str, movements: Sequence[Movement],
                 assessments: Iterable[Assessment], today: date) -> list[DueItem]:
    """Every MDS deadline of one resident: done, late, due, overdue or on hold."""
    all_episodes = episodes(movements)
    spans = [(e, e.start, (all_episodes[i + 1].start - timedelta(days=1))
              if i + 1 < len(all_episodes) else date.max) for i, e in enumerate(all_episodes)]
    records = list(assessments)
    items: list[DueItem] = []
    for episode in all_episodes:
        schedule = _Schedule(resident_id, episode, today)
        mine = [a for a in records if a.kind in OBRA and _episode_of(
            spans, a.ard or a.determination_on or a.completed_on) is episode]
        for a in sorted(mine, key=lambda a: (a.ard or a.determination_on or date.max)):
            schedule.assessment(a)
        routine_pending = any(a.ard is None and a.kind not in SIGNIFICANT for a in mine)
        schedule.next_routine(pending=routine_pending)
        left = episode.last_day(today)
        items += [settle(i, left_on=left, today=today, needs_resident=i.rule in OBRA_ARDS)
                  for i in schedule.items]
    items += [settle(i, left_on=_left_on(spans, i.due, today), today=today,
                     needs_resident=False)
              for i in _tracking(resident_id, movements, records, today)]
    last = all_episodes[-1].last_day(today) if all_episodes else None
    if last is None or not is_closed(last, today):
        items += _census_flags(resident_id, movements, records, today)
    return items


OBRA_ARDS = frozenset(f"{kind}_ard" for kind in OBRA)
"""The items that need the resident here: an OBRA assessment's ARD (mds_closed)."""


def _left_on(spans: list[tuple[Episode, date, date]], day: date | None, today: date
             ) -> date | None:
    episode = _episode_of(spans, day) if day is not None else None
    return episode.last_day(today) if episode is not None else None


def _tracking(resident: str, movements: Sequence[Movement], records: list[Assessment],
              today: date) -> list[DueItem]:
    items: list[DueItem] = []

    def step(rule: str, what: str, due: date, why: str, done: date | None,
             ref: str | None) -> None:
        items.append(DueItem(resident, rule, what, status_of(due, done, today), due, why,
                             done, ref))

    for move in movements:
        kind = {MovementKind.ENTRY: T.ENTRY, MovementKind.DEATH: T.DEATH,
                MovementKind.DISCHARGE: T.DISCHARGE}[move.kind]
        found = next((a for a in records if a.kind is kind and a.target == move.on), None)
        ref = found.record_id if found else None
        name = NAMES[kind]
        if kind is T.DISCHARGE:
            why = f"ARD = discharge date {_d(move.on)}; completion ≤ ARD + 14"
            step("discharge_completion", f"{name}: completion (Z0500B)",
                 _plus(move.on, COMPLETION_DAYS), why,
                 found.completed_on if found else None, ref)
            base = found.completed_on if found else None
            base_words = "completion (Z0500B)"
        else:
            event = "entry" if kind is T.ENTRY else "death"
            step(f"{kind}_completion", f"{name}: completion", _plus(move.on, TRACKING_DAYS),
                 f"{event} {_d(move.on)} + {TRACKING_DAYS}",
                 found.completed_on if found else None, ref)
            base, base_words = (move.on, event) if found else (None, event)
        if base is not None and found is not None:
            step(f"{kind}_transmission", f"{name}: transmission", _plus(base, 14),
                 f"{base_words} {_d(base)} + 14 (42 CFR 483.20(f))", found.transmitted_on, ref)
    discharges = {m.on for m in movements if m.kind is MovementKind.DISCHARGE}
    for a in records:
        if a.kind is T.DISCHARGE and a.ard not in discharges:
            shown = _d(a.ard) if a.ard else "none"
            items.append(DueItem(resident, "discharge_ard", "discharge assessment: ARD",
                                 DueStatus.REVIEW, a.ard, f"ARD {shown} matches no discharge "
                                 "date: the ARD of a discharge assessment is the discharge date",
                                 ref=a.record_id))
    return items


def _census_flags(resident: str, movements: Sequence[Movement], records: list[Assessment],
                  today: date) -> list[DueItem]:
    items: list[DueItem] = []
    last_move = max(movements, key=lambda m: m.on, default=None)
    closed = last_move is not None and last_move.kind is not MovementKind.ENTRY and any(
        a.target == last_move.on and a.kind in {T.DISCHARGE, T.DEATH} for a in records)
    if last_move is not None and last_move.kind is MovementKind.DISCHARGE and not closed \
            and today > _plus(last_move.on, 14):
        items.append(DueItem(resident, "no_discharge_record", "discharge assessment",
                             DueStatus.REVIEW, _plus(last_move.on, COMPLETION_DAYS),
                             f"discharged {_d(last_move.on)} with no discharge assessment: CMS "
                             "still counts the resident in its MDS census"))
    dated = [a.target for a in records if a.target is not None and a.target <= today]
    if dated and not closed and (today - max(dated)).days >= CENSUS_FLAG_DAYS:
        last = max(dated)
        items.append(DueItem(resident, "census_150_days", "MDS record", DueStatus.REVIEW,
                             _plus(last, CENSUS_FLAG_DAYS),
                             f"{(today - last).days} days since the last MDS record "
                             f"({_d(last)}): CMS counts a resident until a discharge or death "
                             "record, or 150 days with no record"))
    return items


def record_asked_for(item: DueItem) -> dict[str, str]:
    """The new assessment record an MDS due item asks for: its type and the date it
    speaks for (the ARD, or a tracking record's event date), as the clerk's form is
    prefilled. Empty when the item points at a record already there (``ref``: that
    record is completed instead) or asks for no record in particular."""
    if item.ref is not None or item.due is None:
        return {}
    kind, _, step = item.rule.rpartition("_")
    if item.rule in {"no_discharge_record", "discharge_completion"}:
        ard = item.due - timedelta(days=COMPLETION_DAYS)
        return {"assessment_type": str(T.DISCHARGE), "ard": ard.isoformat()}
    if step == "completion" and kind in {T.ENTRY, T.DEATH}:
        event = item.due - timedelta(days=TRACKING_DAYS)
        return {"assessment_type": kind, "event_on": event.isoformat()}
    if step == "ard" and kind in set(AssessmentType):
        return {"assessment_type": kind, "ard": item.due.isoformat()}
    return {}
