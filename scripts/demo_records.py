"""The records department's part of the demo, recorded through the front-desk
terminal like every clerk's work: requests for records (one overdue), an
amendment request, a discharge whose review found deficiencies, and a record
past its retention date; headless, the department's due list is printed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from client.session import Session
from protocol.records import RecordKind

AUTHORIZATION = {
    "information": "Progress and nursing notes", "disclosers": "Maple Grove Care Center",
    "recipients": "Hart & Lowe LLP", "purposes": "at the request of the individual",
    "signed_by": "Irena Kowalski", "states_right_to_revoke": True,
    "states_conditioning": True, "states_redisclosure": True,
}


def populate_records(front: Session, ids: dict[str, str], free_bed: str, today: date) -> None:
    """Open requests (one overdue), an amendment, a deficiency, a record due for
    destruction."""
    work = front.casework
    day = today.isoformat

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    # An attorney's request 40 days ago, the authorization never arrived: overdue.
    work.open_request(ids["Kowalski"], received_at=f"{ago(40)}T10:30", requester="Hart & Lowe LLP",
                      authority="attorney", what="Progress and nursing notes, last 6 months",
                      why="personal injury claim", current_resident=False)
    # The resident's own copies, asked this morning: 2 working days.
    work.open_request(ids["Okafor"], received_at=f"{day()}T08:00", requester="Adaeze Okafor",
                      authority="resident", ask="copies", what="Her care plan and MDS")
    # An insurer with the resident's authorization, 5 days ago: 30 days.
    auth = dict(AUTHORIZATION, recipients="Buckeye Health Plan", signed_by="Samir Haddad",
                signed_on=ago(7), expires_on=(today + timedelta(days=180)).isoformat())
    work.open_request(ids["Haddad"], received_at=f"{ago(5)}T14:00",
                      requester="Buckeye Health Plan", authority="insurer",
                      what="Therapy notes", why="utilization review", authorization=auth)
    # An amendment request about the admission note, 10 days ago: 60 days.
    note = next(n for n in work.about(ids["Nguyen"]) if n.kind == "note")
    work.request_amendment(ids["Nguyen"], received_on=ago(10), entry_ids=[note.id],
                           asked="My admission note says I use a frame; I use a cane.",
                           named_parties=["Dr. Amara Obi"])
    # A discharge 20 days ago: the review found two documents missing.
    gone = front.residents.register({"family_name": "Moreau", "given_name": "Claire",
                                     "birth_date": "1938-10-12", "sex": "female",
                                     "payer": "medicare"})
    stay = front.stays.admit(gone, admitted_at=ago(60), bed_id=free_bed, payer="medicare")
    front.stays.discharge(stay, discharged_at=ago(20), disposition="home")
    review = _review_of(front, stay)
    _found(front, review, ["discharge_summary", "discharge_order", "discharge_mds", "care_plan"],
           on=ago(20))
    work.command("assign_deficiency", {"review_id": review, "code": "final_progress_note",
                                       "assignee": "Dr. Amara Obi"})
    # A record closed in 2016: Ohio has no rule of its own, so the federal 5 years
    # ran out in 2021 — it is due for destruction.
    old = front.residents.register({"family_name": "Pruitt", "given_name": "Harold",
                                    "birth_date": "1921-04-18", "sex": "male"})
    old_stay = front.stays.admit(old, admitted_at="2015-01-10", bed_id=free_bed)
    front.stays.discharge(old_stay, discharged_at="2016-05-01", disposition="death")
    old_review = _review_of(front, old_stay)
    _found(front, old_review, [d.code for d in work.checklist().documents], on="2016-05-01")


def _review_of(front: Session, stay_id: str) -> str:
    """The completeness review the stay's discharge opened."""
    return next(c.id for c in front.casework.cases(RecordKind.COMPLETENESS_REVIEW)
                if c.data.get("stay_id") == stay_id)


def _found(front: Session, review_id: str, codes: list[str], *, on: str) -> None:
    """The documents found in the chart: those deficiencies completed."""
    review = front.casework.case(review_id)
    open_codes = {d["code"] for d in (review.data["deficiencies"] if review else [])
                  if not d.get("resolved_on")}
    for code in codes:
        if code in open_codes:
            front.casework.command("resolve_deficiency", {"review_id": review_id, "code": code,
                                                          "resolved_on": on})


def print_records_due(front: Session, say: Callable[[str], None]) -> None:
    """The department's due list, computed offline at the front desk."""
    items = front.casework.due()
    say(f"\nThe records department's due list at {front.facility_name}, offline at the "
        f"front desk ({front.casework.status_line()}):")
    for item in items:
        flag = "OVERDUE" if item.overdue else "due"
        say(f"  {flag:<7} {item.due_text:<16} {item.area.replace('_', ' '):<15} "
            f"{item.resident:<20} {item.what}")
    if not items:
        say("  nothing due")
