"""When an MDS item stops being work (docs/rules.md §5.2, "After the resident leaves").

MDS assessments are due while the resident is in the facility; after a departure
only the departure's own records (the discharge assessment, the death tracking
record) and the paperwork of assessments already made (completion, CAAs, care
plan, transmission) remain work. So, once the resident has left for good (a
death, a discharge with no return anticipated, or 30 days past one with a return
anticipated):

- an OBRA assessment whose ARD fell due before the departure and was never made
  is **missed**: nobody can assess a resident who is gone;
- once the stay ended more than 15 months ago, whatever of it is still not done
  is **missed** too: the record is closed (483.20(d) keeps 15 months of
  assessments in the active record), and a closed record's old items are not
  overdue work. Its CMS census flags (150 days, no discharge record) are gone
  with it.

A missed item stays in the MDS report (a surveyor sees it, highlighted) but is
never counted as overdue: not on the compliance screen, the dashboard, or the
entrance pack's MDS list.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from protocol.rules.calendar import add_months
from protocol.rules.due import DueItem, DueStatus

ACTIVE_RECORD_MONTHS = 15


def is_closed(left_on: date, today: date) -> bool:
    """Whether a stay the resident left for good on ``left_on`` is closed on ``today``
    (through ``left_on`` + 15 months it is not)."""
    return today > add_months(left_on, ACTIVE_RECORD_MONTHS)


def settle(item: DueItem, *, left_on: date | None, today: date, needs_resident: bool
           ) -> DueItem:
    """``item`` as it stands once the resident left for good on ``left_on`` (None:
    still here, or may yet come back): an overdue item becomes missed when it
    needed the resident (``needs_resident``: an OBRA assessment's ARD) and fell due
    before the departure, or when the stay is closed."""
    if item.status is not DueStatus.OVERDUE or left_on is None or item.due is None:
        return item
    if is_closed(left_on, today):
        why = (f"; the stay ended {left_on.isoformat()}, more than {ACTIVE_RECORD_MONTHS} "
               "months ago: its record is closed (483.20(d): 15 months in the active "
               "record), so this was missed and is not overdue work")
    elif needs_resident and item.due <= left_on:
        why = (f"; not done before the resident left on {left_on.isoformat()}: an "
               "assessment needs the resident here, so this was missed and is not "
               "overdue work")
    else:
        return item
    return replace(item, status=DueStatus.MISSED, why=item.why + why)
