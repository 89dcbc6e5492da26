"""Onboarding before a first shift: a hire's checklist must be complete.

Each applicant carries the checklist of their position (chosen when the
applicant is added) and, from the start, the staff id they will have when
hired, so the terminal and the server both find the checklist of a staff
member. :func:`check_first_shift` refuses worked hours for a staff member
whose checklist still has open items — the same function at the terminal
(before the hours are saved) and at the server.

The registry and license items are not ticked on anyone's word: each names
the record that shows it (:func:`evidence_problem`) — a registry check in good
standing, or a verified license of a type the position needs, valid that day —
the same records and rules the staffing compliance reads.

Such a record can be voided after the item was ticked — marked entered in
error, or named by a later entry as entered in error (registry checks are
immutable: a correction is a new entry, docs/rules.md §5.5). An item whose
record no longer shows anything is open again (:func:`voided_evidence`,
:func:`open_items`), so the first shift is refused at the terminal and at the
server alike until another record shows it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from protocol.errors import Refused
from protocol.rules.staffing.license_standing import ROLE_LICENSES, LicenseRecord
from protocol.rules.staffing.licenses import is_valid_on

ITEMS: Mapping[str, str] = {
    "registry_verification": "nurse-aide registry verification",
    "license_verification": "license verification",
    "background_check": "background check",
    "orientation": "orientation",
    "credential": "credential (RHIA, RHIT, CCS or CTR) with its expiry",
}
CREDENTIALS = ("RHIA", "RHIT", "CCS", "CTR")
STAGES = ("applied", "screened", "interviewed", "offered", "hired", "declined")
POSTING_OUTCOMES = ("filled", "withdrawn", "no suitable applicant")
"""Why a job posting was closed (with a reason in words)."""
ONBOARDING_INCOMPLETE = "onboarding_incomplete"
EVIDENCED = {"registry_verification": "registry_check", "license_verification": "license"}
"""Items done only by naming the record that shows them, and that record's kind."""
EVIDENCE_KINDS = frozenset(EVIDENCED.values())
VOIDED = "the record that showed it was marked entered in error"


def voided_evidence(records: Iterable[tuple[str, Mapping[str, Any], str]]) -> frozenset[str]:
    """The ids, among a staff member's records (id, data, status), that show
    nothing any more: those marked entered in error or merged away (status not
    active), those a later entry names as entered in error, and the voiding
    entries themselves."""
    out: set[str] = set()
    for rec_id, data, status in records:
        if status != "active" or data.get("entered_in_error_of"):
            out.add(rec_id)
        if data.get("entered_in_error_of"):
            out.add(str(data["entered_in_error_of"]))
    return frozenset(out)


def evidence_problem(item: str, staff_id: str, job_title_code: int, done_on: date,
                     kind: str | None, data: Mapping[str, Any] | None,
                     status: str = "active", *, voided: bool = False) -> str | None:
    """Why a record (``kind``/``data``; None: not found here) cannot show that
    ``item`` was done for ``staff_id`` on ``done_on``, or None if it can.
    ``voided``: a later entry names the record as entered in error."""
    wanted = EVIDENCED.get(item)
    if wanted is None:
        return None
    what = "a registry check" if wanted == "registry_check" else "a license record"
    if kind is None or data is None:
        return f"name {what} of this facility that shows it"
    if kind != wanted:
        return f"is not {what}"
    if voided or status != "active" or data.get("entered_in_error_of"):
        return f"{what} marked entered in error shows nothing"
    if data.get("staff_id") != staff_id:
        return f"{what} of another person"
    if wanted == "registry_check":
        if not data.get("in_good_standing"):
            return "the registry check did not find the person in good standing"
        if str(data.get("checked_on") or "9999")[:10] > done_on.isoformat():
            return "the registry check is dated after the item"
        return None
    found = LicenseRecord.from_fields(None, data)
    needed = ROLE_LICENSES.get(job_title_code)
    if needed and found.license_type not in needed:
        return (f"a {found.license_type} license does not cover this position (needs "
                + " or ".join(sorted(needed)) + ")")
    if found.verified_on is None or found.verified_on > done_on:
        return "the license has not been verified with the issuing state by that day"
    if not is_valid_on(found.expires_on, done_on):
        return "the license is not valid on that day"
    return None


def reopened_items(applicant: Mapping[str, Any], voided: Collection[str]) -> list[str]:
    """The items ticked on a record that has since been voided (``voided``:
    :func:`voided_evidence` of the hire's records)."""
    return [str(i["item"]) for i in applicant.get("completed") or ()
            if i.get("evidence_id") and i["evidence_id"] in voided]


def open_items(applicant: Mapping[str, Any], voided: Collection[str]) -> list[str]:
    """The checklist items not yet done, in checklist order: never ticked, or
    ticked on a record since voided (``voided``: :func:`voided_evidence`)."""
    reopened = set(reopened_items(applicant, voided))
    done = {str(i["item"]) for i in applicant.get("completed") or ()} - reopened
    return [item for item in applicant.get("checklist") or () if item not in done]


def check_first_shift(staff_id: str, applicants: Iterable[Mapping[str, Any]],
                      voided: Collection[str]) -> None:
    """Refuse worked hours while the staff member's onboarding is incomplete
    (``voided``: :func:`voided_evidence` of the staff member's registry checks
    and licenses). Staff who were never applicants here (entered directly) have
    no checklist."""
    for applicant in applicants:
        if applicant.get("staff_id") != staff_id or applicant.get("stage") != "hired":
            continue
        missing = open_items(applicant, voided)
        if missing:
            reopened = set(reopened_items(applicant, voided))
            raise Refused(ONBOARDING_INCOMPLETE,
                          "no shift before onboarding is complete: still open — "
                          + ", ".join(ITEMS.get(m, m) + (f" ({VOIDED})" if m in reopened
                                                          else "") for m in missing))
