"""The demo's department: an open job posting with two applicants answering it; a regulation
bulletin the region published, which the records manager acknowledged and the
clerk has not (one person overdue); and a budget line with one approved request
and one, above the records manager's limit, pending for the regional manager in
the portal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from client.session import Session
from server.portal import bulletins
from server.portal.principals import PortalRole, Principal


def seed(engine: Any, settings: Any, facilities: list[str], manager: str, front: Session,
         today: date) -> None:
    """``front``: the records manager's terminal at the first facility."""
    region = Principal("account", "demo-regional-manager", manager,
                       PortalRole.REGIONAL_MANAGER, frozenset(facilities))
    bulletins.publish(engine, settings, region, facility_ids=facilities[:1], fields={
        "title": "Release of information: fee schedule for residents' own copies",
        "source": "Ohio Department of Medicaid notice (demo)",
        "effective_on": (today - timedelta(days=7)).isoformat(),
        "due_on": (today - timedelta(days=1)).isoformat(), "audience": "everyone",
        "text": "From the effective date, copies of a resident's own record given to the "
                "resident or their representative are charged at cost only. Read the "
                "attached schedule and acknowledge at a terminal."})
    front.sync()
    for b in front.bulletins.to_acknowledge():
        front.bulletins.acknowledge(b["id"])
    line = front.spending.set_line(fiscal_year=today.year, department="Health information",
                                   account="Scanning and storage", amount="18000.00")
    supplies = front.spending.set_line(fiscal_year=today.year,
                                       department="Health information",
                                       account="Supplies", amount="2400.00")
    small = front.spending.request(supplies, amount="186.40", vendor="Office Depot",
                                   justification="Folders, labels and toner for the file room",
                                   requested_on=(today - timedelta(days=2)).isoformat())
    front.spending.decide(small, decision="approved",
                          decided_on=(today - timedelta(days=1)).isoformat())
    front.spending.request(line, amount="4800.00", vendor="Iron Mountain",
                           justification="Retrieve and scan 40 boxes of closed charts "
                                         "before the annual survey",
                           requested_on=today.isoformat(),
                           attachments=["iron-mountain-quote-1187.pdf"])
    posting = front.hiring.post_job(
        position="Health information technician", department="Health information",
        hours_per_week=32, requirements=["RHIT", "Release of information experience"],
        posted_on=(today - timedelta(days=10)).isoformat())
    for family, given, stage in (("Osei", "Kwame", "interviewed"), ("Lindqvist", "Maja", None)):
        applicant = front.hiring.add_applicant(
            posting_id=posting, position="Health information technician",
            department="Health information", job_title_code=17, pay_type_code=1,
            family_name=family, given_name=given,
            applied_on=(today - timedelta(days=6)).isoformat(),
            checklist=["background_check", "orientation", "credential"])
        if stage:
            front.hiring.record_stage(applicant, stage="screened",
                                      on=(today - timedelta(days=4)).isoformat())
            front.hiring.record_stage(applicant, stage=stage,
                                      on=(today - timedelta(days=1)).isoformat(),
                                      interviewers=["Dana Whitfield"],
                                      notes="Coding and release-of-information experience")
    report = front.sync()
    if report.error:
        raise SystemExit(f"Seeding the department failed: {report.error}")


def describe(front: Session, say: Any) -> None:
    """What the department looks like from the records manager's terminal."""
    say("\nThe department at the front desk (F10):")
    for b, late in front.bulletins.overdue():
        say(f"  bulletin \"{b['title']}\" was due {b['due_on']}; overdue: "
            + ", ".join(p.name for p in late))
    for r in front.spending.requests():
        decides = " (the regional manager decides it in the portal)" if (
            r.get("_decider") == "regional_manager" and r["status"] == "pending") else ""
        say(f"  {r['vendor']}: ${float(r['amount']):,.2f} {r['status']}{decides}")
    for p in front.hiring.postings():
        say(f"  job posting {p['position']} ({p['hours_per_week']} h/week, "
            f"{', '.join(p.get('requirements') or ())}): {p['status']}, "
            f"{len(p['applicants'])} applicant(s)")
    for a in front.hiring.applicants():
        say(f"  applicant {a['given_name']} {a['family_name']} for {a['position']}: "
            f"{a['stage']}")
