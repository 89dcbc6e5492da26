"""Which days a staffing judgement covers (docs/rules.md §2.9).

Every staffing rule (HPRD minimums by day, the RN 8-hour rule, 24-hour RN, the
days with no RN hours) judges *complete* days with residents in the house. Two
kinds of day are shown but never counted as failing:

- **in progress**: today (and any later day). Its hours are still being entered
  (a night shift is not over, a clerk enters the day's sheets tomorrow morning),
  so a shortfall today says nothing yet. A period asked for without an end ends
  yesterday (:func:`default_period`): the last complete day, in the facility's
  local time (the caller's ``today``).
- **no residents**: no resident was in the house at any time of the day — its
  midnight census is 0 and so was the previous day's (a resident discharged, or
  gone on leave, during the day was there at its start, so that day is judged).
  A facility before its first admission, or an empty one, has nothing to staff
  for; its days show "no residents: not judged", never "failing".

Pure functions: the terminal's compliance screen, the server's reports,
``chartkeep-server compliance`` and the portal's dashboard and default report
period all call these.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum

ONE_DAY = timedelta(days=1)


class DayJudged(StrEnum):
    JUDGED = "judged"
    IN_PROGRESS = "in_progress"
    """Today or later: the day is not over, its hours are still being entered."""
    NO_RESIDENTS = "no_residents"
    """No resident in the house at any time of the day: nothing to judge."""


WORDS = {
    DayJudged.IN_PROGRESS: "in progress: the day is not over (hours may still be entered); "
                           "not judged until it is",
    DayJudged.NO_RESIDENTS: "no residents: not judged (no resident in the house that day)",
}
"""Why a day is not judged, in words (reports and screens print these)."""

RESULT = {DayJudged.IN_PROGRESS: "in progress", DayJudged.NO_RESIDENTS: "not judged"}
"""A day's result column when it is not judged."""


def last_complete_day(today: date) -> date:
    """The last day a staffing judgement covers: yesterday."""
    return today - ONE_DAY


def default_period(today: date, days: int) -> tuple[date, date]:
    """The ``days`` complete days ending yesterday (both ends included)."""
    end = last_complete_day(today)
    return end - timedelta(days=days - 1), end


def day_judged(day: date, today: date, census: Mapping[date, int]) -> DayJudged:
    """Whether ``day`` is judged. ``census`` is the midnight census by day and must
    hold ``day`` and the day before (a day it lacks counts as census 0)."""
    if day >= today:
        return DayJudged.IN_PROGRESS
    if not census.get(day, 0) and not census.get(day - ONE_DAY, 0):
        return DayJudged.NO_RESIDENTS
    return DayJudged.JUDGED


def not_judged(start: date, end: date, today: date, census: Mapping[date, int]
               ) -> dict[date, DayJudged]:
    """The days of ``start``–``end`` that are not judged, with why."""
    out: dict[date, DayJudged] = {}
    day = start
    while day <= end:
        why = day_judged(day, today, census)
        if why is not DayJudged.JUDGED:
            out[day] = why
        day += ONE_DAY
    return out
