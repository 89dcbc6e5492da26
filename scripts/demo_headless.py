"""The scripted demonstration (``scripts/demo --headless``): two terminals of one
facility work offline, edit the same field and contest one bed, then sync; then the
facility's compliance, the records department's due list, the department, and the
portal's inspector walkthrough; the audit chain is checked last."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from demo_department import describe as describe_department
from demo_facility import CLERK_PASSWORD, PASSWORD, STAFF, TODAY, Demo, enroll, populate
from demo_portal import describe, inspector_walkthrough
from demo_records import print_records_due
from demo_running import say

from client.session import Session
from protocol.rules.calendar import Quarter
from server import admin


def last_seq(session: Session) -> int:
    """The terminal's newest operation, so the results printed later are the
    ones made after this point."""
    return max((r.seq for r in session.outbox.operations(limit=5000)), default=0)


def print_results(name: str, session: Session, since: int) -> None:
    say(f"\n  {name} ({session.user.username}, {session.user.role.replace('_', ' ')}):")
    rows = sorted((r for r in session.outbox.operations(limit=1000) if r.seq > since),
                  key=lambda r: r.seq)
    width = max((len(r.summary) for r in rows), default=10)
    for row in rows:
        line = f"    {row.status.upper():<9} {row.summary:<{width}}"
        if row.reason:
            line += f"  [{row.reason}] {row.reason_text or ''}"
        say(line)


def headless(demo: Demo, url: str, var: Path) -> int:
    say("The portal, while this demonstration runs (the run signs in with it below):")
    describe(url, demo.portal, say)
    say("\nEnrolling the front-desk terminal at Maple Grove (records manager Dana)…")
    front = enroll(demo, url, var / "terminals" / "front-desk", demo.maple, "dana", PASSWORD,
                   "Front desk")
    say("Recording the demo facility through it: residents, beds, staff, licenses, hours…")
    ids = populate(demo, front)
    say(f"  {len(ids)} residents, {len(STAFF)} staff; synced.")
    say("Enrolling the nurses' station terminal (clerk Sam)…")
    station = enroll(demo, url, var / "terminals" / "nurses-station", demo.maple, "sam",
                     CLERK_PASSWORD, "Nurses' station")
    say(f"  it pulled {len(station.residents.census(limit=500).rows)} residents.")

    front_since, station_since = last_seq(front), last_seq(station)
    say("\nBoth terminals go offline and keep working:")
    okafor, smith = ids["Okafor"], ids["Smith [Jr]"]
    front.residents.update(okafor, {"phone": "555-0111"})
    station.residents.update(okafor, {"phone": "555-0222"})
    say("  - both change Adaeze Okafor's phone, to different numbers (a conflicting edit)")
    front.residents.update(smith, {"address": "14 Birch Lane"})
    station.residents.update(smith, {"emergency_contact": "Ruth Smith, daughter, 555-0199"})
    say("  - one changes Walter Smith [Jr]'s address, the other his emergency contact")
    last_bed = demo.maple_beds[-1]
    new_front = front.residents.register({"family_name": "Delgado", "given_name": "Marisol",
                                         "birth_date": "1947-04-04", "sex": "female",
                                         "payer": "medicare"})
    new_station = station.residents.register({"family_name": "Yusuf", "given_name": "Ahmed",
                                             "birth_date": "1943-08-21", "sex": "male",
                                             "payer": "medicaid"})
    front.stays.admit(new_front, admitted_at=TODAY.isoformat(), bed_id=last_bed)
    station.stays.admit(new_station, admitted_at=TODAY.isoformat(), bed_id=last_bed)
    say("  - each registers and admits a new resident into the same last free bed "
        "(a contested bed)")
    for session, who in ((front, "Dana"), (station, "Sam")):
        session.notes.add(okafor, {"category": "nursing",
                                  "clinical_time": f"{TODAY.isoformat()}T08:15",
                                  "body": f"{who}: breakfast eaten, no complaints."})
    say("  - both add a nursing note for Adaeze Okafor")

    say("\nThe link comes back; the terminals sync (front desk first):")
    front.sync()
    station.sync()
    front.sync()
    print_results("Front desk", front, front_since)
    print_results("Nurses' station", station, station_since)

    say("\nWhat every replica now shows:")
    for session, name in ((front, "Front desk"), (station, "Nurses' station")):
        view = session.residents.get(okafor)
        conflict = view.conflicts.get("phone", [])
        say(f"  {name + ':':<17} Okafor phone = {view.fields.get('phone')}; open conflict "
            f"between {' and '.join(str(v.value) for v in conflict)}; "
            f"{len(view.notes)} notes kept")
    yusuf = station.residents.get(new_station)
    say(f"  Ahmed Yusuf: {yusuf.census_status.replace('_', ' ')}; "
        f"Marisol Delgado: {station.residents.get(new_front).census_status.replace('_', ' ')} "
        f"in {station.residents.get(new_front).bed_label}")
    status = station.outbox.status()
    say(f"  Nurses' station: {status.pending} pending, {status.rejected} rejected, "
        f"{status.conflicts} open conflicts — each shown to the clerk with its reason.")

    print_compliance(front, var)
    print_records_due(front, say)
    describe_department(front, say)
    portal_ok = inspector_walkthrough(url, demo.portal, demo.maple, say, var)

    broken = admin.verify_audit(demo.engine)
    say("\nAudit chain and Merkle trees: " + ("intact" if broken is None
                                             else f"BROKEN at {broken}"))
    front.lock()
    station.lock()
    return 0 if broken is None and portal_ok else 1


def print_compliance(front: Session, var: Path) -> None:
    """The facility's compliance, computed offline at the front desk, and its PBJ file."""
    status = front.compliance.status()
    say(f"\nCompliance at {front.facility_name} today, computed offline at the front desk "
        f"({status.level.upper()}):")
    for line in status.lines:
        say(f"  {line.level.upper():<4}  {line.text}")
    quarter = Quarter.of(Quarter.of(TODAY).start - timedelta(days=1))
    path = var / f"pbj-{quarter}.xml"
    result = front.compliance.export_pbj(quarter, path)
    if result.blocked:
        say(f"PBJ {quarter}: CMS would reject the file; nothing written:")
        for problem in result.problems:
            say(f"  {problem}")
    else:
        say(f"PBJ {quarter}: {result.employees} employees written to {path} "
            f"(an audited, plaintext export)")
