"""Onboarding before a first shift: a hire's checklist must be complete.

Each applicant carries the checklist of their position (chosen when the
applicant is added) and, from the start, the staff id they will have when
hired, so the terminal and the server both find the checklist of a staff
member. :func:`check_first_shift` refuses worked hours for a staff member
whose checklist still has open items — the same function at the terminal
(before the hours are saved) and at the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protocol.errors import Refused

ITEMS: Mapping[str, str] = {
    "registry_verification": "nurse-aide registry verification",
    "license_verification": "license verification",
    "background_check": "background check",
    "orientation": "orientation",
    "credential": "credential (RHIA, RHIT, CCS or CTR) with its expiry",
}
CREDENTIALS = ("RHIA", "RHIT", "CCS", "CTR")
STAGES = ("applied", "screened", "interviewed", "offered", "hired", "declined")
ONBOARDING_INCOMPLETE = "onboarding_incomplete"


def open_items(applicant: Mapping[str, Any]) -> list[str]:
    """The checklist items not yet done, in checklist order."""
    done = {str(i["item"]) for i in applicant.get("completed") or ()}
    return [item for item in applicant.get("checklist") or () if item not in done]


def check_first_shift(staff_id: str, applicants: Iterable[Mapping[str, Any]]) -> None:
    """Refuse worked hours while the staff member's onboarding is incomplete.
    Staff who were never applicants here (entered directly) have no checklist."""
    for applicant in applicants:
        if applicant.get("staff_id") != staff_id or applicant.get("stage") != "hired":
            continue
        missing = open_items(applicant)
        if missing:
            raise Refused(ONBOARDING_INCOMPLETE,
                          "no shift before onboarding is complete: still open — "
                          + ", ".join(ITEMS.get(m, m) for m in missing))
