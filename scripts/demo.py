"""Chartkeep demo: a real server on SQLite, a seeded demo organisation, and
either the clerk's terminal app (default) or a scripted sync demonstration
(``--headless``) that works without a terminal.

    scripts/demo              # server + demo facility + the terminal app
    scripts/demo --headless   # server + demo facility + two terminals working offline,
                              # a conflicting edit and a contested bed, then the results;
                              # then the portal: an inspector access issued and redeemed,
                              # the entrance-conference pack downloaded as a signed
                              # bundle and checked with chartkeep-verify

Both print the portal's address and a regional manager's login (password and
TOTP secret, for the demo only, with a current code).

Everything lives under ``var/demo/``. The app's demo keeps it from one run to the
next (what you changed is still there) unless you ask for ``--fresh``; the scripted
demonstration always starts from fresh data. Each run says which it did.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from demo_department import describe as describe_department
from demo_department import seed as seed_department
from demo_portal import Login, describe, inspector_walkthrough
from demo_portal import seed as seed_portal
from demo_records import populate_records, print_records_due

from client import terminal
from client.clock import SystemClock
from client.errors import TerminalError
from client.session import Session
from client.sync.transport import HttpTransport
from protocol.rules.calendar import Quarter
from server import admin
from server.admin.compliance import set_facility
from server.settings import Settings
from server.storage.db import make_engine

PASSWORD = "sunrise over the north wing"
CLERK_PASSWORD = "quiet night shift at the desk"
TODAY = SystemClock().today()

RESIDENTS = [
    ("Okafor", "Adaeze", "1941-03-02", "female", "medicare"),
    ("Smith [Jr]", "Walter", "1936-07-19", "male", "medicaid"),
    ("Nguyen", "Thi Lan", "1944-11-30", "female", "medicaid"),
    ("Kowalski", "Irena", "1939-01-08", "female", "private"),
    ("Brennan", "Patrick", "1948-05-22", "male", "medicare"),
    ("Alvarez", "Rosa", "1950-09-14", "female", "medicaid"),
    ("Haddad", "Samir", "1942-02-27", "male", "other"),
    ("Johnson", "Earl", "1937-12-03", "male", "medicaid"),
    ("Lindqvist", "Greta", "1945-06-16", "female", "private"),
]
STAFF = [
    ("E-1001", "Reyes", "Maria", 7, 2, ("RN", "OH", 400)),
    ("E-1002", "Thompson", "Keisha", 9, 2, ("LPN", "OH", 25)),
    ("E-1003", "Park", "Daniel", 10, 2, ("CNA", "OH", -3)),
    ("E-1004", "Osei", "Kwame", 10, 3, ("CNA", "OH", 75)),
    ("E-1005", "Fischer", "Anna", 5, 1, ("RN", "OH", 55)),
    ("E-1006", "Bauer", "Lena", 6, 1, ("RHIA", "OH", 300)),
]


@dataclass
class Demo:
    settings: Settings
    engine: Any
    maple: str
    oak: str
    maple_beds: list[str]
    oak_beds: list[str]
    portal: Login


def say(text: str = "") -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_server(data_dir: Path) -> Demo:
    """The demo organisation: two facilities, units, beds and people."""
    settings = Settings(data_dir=data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    admin.init(engine, settings)
    maple = admin.create_facility(engine, settings, name="Maple Grove Care Center", state="OH",
                                  mrn_prefix="MG")
    oak = admin.create_facility(engine, settings, name="Oak Hill Nursing", state="OH",
                                mrn_prefix="OH")
    maple_beds = []
    for unit_name, rooms in (("North", range(101, 105)), ("South", range(201, 203))):
        unit = admin.create_unit(engine, settings, facility_id=maple, name=unit_name)
        maple_beds.extend(admin.create_bed(engine, settings, unit_id=unit, label=f"{room}-{side}")
                          for room in rooms for side in "AB")
    unit = admin.create_unit(engine, settings, facility_id=oak, name="Main")
    oak_beds = [admin.create_bed(engine, settings, unit_id=unit, label=f"{room}-A")
                for room in range(1, 5)]
    for facility, users in ((maple, (("dana", "records_manager", "Dana Whitfield"),
                                     ("sam", "clerk", "Sam Ortiz"))),
                            (oak, (("lee", "records_manager", "Lee Nakamura"),))):
        for username, role, display in users:
            admin.create_user(engine, settings, facility_id=facility, username=username,
                              role=role, display_name=display)
    admin.create_user(engine, settings, facility_id=None, username="regional.morgan",
                      role="regional_manager", display_name="Morgan Ellis")
    set_facility(engine, settings, facility_id=maple, pbj_facility_id="OH-MG-0001",
                 licensed_beds=((TODAY - timedelta(days=400)).isoformat(), 12))
    portal = seed_portal(engine, settings, [maple, oak])
    return Demo(settings, engine, maple, oak, maple_beds, oak_beds, portal)


@contextlib.contextmanager
def running_server(data_dir: Path, port: int, log: Path) -> Iterator[str]:
    """``chartkeep-server serve`` as its own process, stopped with SIGTERM."""
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CHARTKEEP_SERVER_DATA": str(data_dir), "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
             "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:  # noqa: S310  our http://127.0.0.1 URL
                        if answer.status == 200:
                            break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"The server did not start; see {log}") from None
                    time.sleep(0.1)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def enroll(demo: Demo, url: str, home: Path, facility: str, username: str, password: str,
           name: str) -> Session:
    code = admin.issue_code(demo.engine, demo.settings, facility_id=facility)
    session = terminal.enroll(home, url, code, name, username, password)
    session.sync()
    return session


def populate(demo: Demo, front: Session) -> dict[str, str]:
    """Residents in beds, staff with licenses and hours, through a real terminal."""
    ids: dict[str, str] = {}
    for i, (family, given, born, sex, payer) in enumerate(RESIDENTS):
        rid = front.residents.register({"family_name": family, "given_name": given,
                                       "birth_date": born, "sex": sex, "payer": payer,
                                       "phone": f"555-01{i:02d}"})
        ids[family] = rid
        if i < len(demo.maple_beds) - 2:  # leave the last bed(s) free to contest
            admitted = (TODAY - timedelta(days=3 + 9 * i)).isoformat()
            front.stays.admit(rid, admitted_at=admitted, bed_id=demo.maple_beds[i], payer=payer)
        front.notes.add(rid, {"category": "admission", "clinical_time":
                             f"{(TODAY - timedelta(days=2)).isoformat()}T09:30",
                             "body": f"Admission note for {given} {family}: oriented, "
                                     "ambulates with a frame."})
    for employee_id, family, given, title, pay, (kind, state, days) in STAFF:
        sid = front.staff.add({"employee_id": employee_id, "family_name": family,
                               "given_name": given, "job_title_code": title,
                               "pay_type_code": pay,
                               "hire_date": (TODAY - timedelta(days=400)).isoformat()})
        front.staff.add_license(sid, {"license_type": kind, "number": f"{kind}-{employee_id[2:]}",
                                "issuing_state": state,
                                "verified_on": (TODAY - timedelta(days=30)).isoformat(),
                                "expires_on": (TODAY + timedelta(days=days)).isoformat()})
        for back in range(1, 4):
            front.staff.add_hours(sid, {"work_date": (TODAY - timedelta(days=back)).isoformat(),
                                  "hours": "7.5", "job_title_code": title,
                                  "pay_type_code": pay, "shift": "day"})
    populate_quarter(front, ids)
    populate_records(front, ids, demo.maple_beds[-3], TODAY)
    report = front.sync()
    if report.error:
        raise SystemExit(f"Seeding the demo facility failed: {report.error}")
    seed_department(demo.engine, demo.settings, [demo.maple, demo.oak], demo.portal.username,
                    front, TODAY)
    return ids


def shift(front: Session, staff_id: str, day: Any, start: str, hours: float, code: int,
          pay: int) -> None:
    """One shift with its clock times and a 30-minute meal."""
    from datetime import datetime

    clock_in = datetime.fromisoformat(f"{day.isoformat()}T{start}")
    clock_out = clock_in + timedelta(hours=hours, minutes=30)
    front.staff.add_hours(staff_id, {
        "work_date": day.isoformat(), "hours": f"{hours:.2f}", "job_title_code": code,
        "pay_type_code": pay, "clock_in": clock_in.isoformat(timespec="minutes"),
        "clock_out": clock_out.isoformat(timespec="minutes"), "meal_minutes": 30})


def populate_quarter(front: Session, residents: dict[str, str]) -> None:
    """Clocked shifts from the start of the last full quarter to yesterday, MDS
    assessments and aide records, with a few deliberate problems: a Sunday with no
    RN, an aide who worked without a registry check, an expired CNA license (above),
    a late and a missing MDS assessment."""
    staff = {row.employee_id: row.id for row in front.staff.roster(limit=100).rows}
    extra = (("E-1007", "Ito", "Hana", 7, 2), ("E-1008", "Novak", "Petra", 10, 2),
             ("E-1009", "Diallo", "Amadou", 10, 2))
    for employee_id, family, given, title, pay in extra:
        staff[employee_id] = front.staff.add({
            "employee_id": employee_id, "family_name": family, "given_name": given,
            "job_title_code": title, "pay_type_code": pay, "registry_states": "OH",
            "hire_date": (TODAY - timedelta(days=700)).isoformat()})
    front.staff.update(staff["E-1005"], {"director_of_nursing": True})
    front.staff.add_license(staff["E-1007"], {"license_type": "RN", "number": "RN-1007",
                                              "issuing_state": "OH", "verified_on":
                                              (TODAY - timedelta(days=200)).isoformat(),
                                              "expires_on": (TODAY + timedelta(days=500)
                                                             ).isoformat()})
    for employee_id in ("E-1003", "E-1008", "E-1009"):
        front.staff.add_registry_check(staff[employee_id], {
            "state": "OH", "checked_on": (TODAY - timedelta(days=720)).isoformat(),
            "in_good_standing": True})
    front.staff.add_training({"held_on": (TODAY - timedelta(days=60)).isoformat(),
                              "minutes": 480, "title": "Dementia care and abuse prevention",
                              "topics": "dementia_management abuse_prevention",
                              "attendees": [staff["E-1003"], staff["E-1008"]]})
    front.staff.add_review(staff["E-1008"], {"reviewed_on": (TODAY - timedelta(days=90)
                                                             ).isoformat(),
                                             "weaknesses": "infection_control"})
    first = Quarter.of(Quarter.of(TODAY).start - timedelta(days=1)).start
    day = first
    missing_rn = TODAY - timedelta(days=(TODAY.weekday() + 1) % 7 + 7)  # a recent Sunday
    while day < TODAY:
        if day != missing_rn:
            shift(front, staff["E-1001"] if day.toordinal() % 2 else staff["E-1007"], day,
                  "07:00", 8, 7, 2)
        shift(front, staff["E-1002"], day, "15:00", 8, 9, 2)
        shift(front, staff["E-1008"], day, "07:00", 8, 10, 2)
        shift(front, staff["E-1009"] if day.toordinal() % 3 else staff["E-1003"], day,
              "23:00", 7.5, 10, 2)
        shift(front, staff["E-1004"], day, "15:00", 8, 10, 3)  # agency aide, never checked
        if day.weekday() < 5:
            shift(front, staff["E-1005"], day, "08:00", 8, 5, 1)
        day += timedelta(days=1)
    for i, family in enumerate(r[0] for r in RESIDENTS):
        admitted = TODAY - timedelta(days=3 + 9 * i)
        if i == 3:
            continue  # admitted 30 days ago: no admission assessment at all (overdue)
        ard = admitted + timedelta(days=5 if i != 2 else 16)  # Nguyen's ARD was late
        fields = {"assessment_type": "admission", "ard": ard.isoformat()}
        if ard < TODAY - timedelta(days=2):
            fields |= {"completed_on": (ard + timedelta(days=2)).isoformat(),
                       "caa_on": (ard + timedelta(days=2)).isoformat()}
        if ard < TODAY - timedelta(days=9):
            fields |= {"care_plan_on": (ard + timedelta(days=6)).isoformat(),
                       "transmitted_on": (ard + timedelta(days=8)).isoformat()}
        if ard <= TODAY:
            front.assessments.add(residents[family], fields)
        front.assessments.add(residents[family], {
            "assessment_type": "entry", "event_on": admitted.isoformat(),
            "completed_on": admitted.isoformat(), "transmitted_on": admitted.isoformat()})


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
    say("Enrolling the front-desk terminal at Maple Grove (records manager Dana)…")
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
    describe(url, demo.portal, say)

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


def kept_demo(var: Path) -> Login | None:
    """The portal login of a demo an earlier run left in ``var``, if it is whole."""
    login_file = var / "portal-login.json"
    server_db = var / "server" / "chartkeep.db"
    if not (login_file.is_file() and server_db.is_file()
            and terminal.is_enrolled(var / "terminals" / "front-desk")):
        return None
    try:
        return Login(**json.loads(login_file.read_text()))
    except (ValueError, TypeError):
        return None


def interactive(demo: Demo, url: str, var: Path) -> int:
    home = var / "terminals" / "front-desk"
    say("Enrolling the front-desk terminal and recording the demo facility…")
    front = enroll(demo, url, home, demo.maple, "dana", PASSWORD, "Front desk")
    populate(demo, front)
    front.lock()
    # Kept for the next run, which reuses this demo (demo credentials only).
    (var / "portal-login.json").write_text(json.dumps(demo.portal.__dict__))
    return open_app(url, home, demo.portal)


def open_app(url: str, home: Path, portal: Login) -> int:
    say("\n  Demo login:  user  dana")
    say(f"               passphrase  {PASSWORD}")
    say(f"  (server {url}; terminal files in {home})")
    describe(url, portal, say)
    say("  Press F1 in the app for help; ctrl+q quits.\n")
    time.sleep(1.5)
    from client.ui.app import run

    # The server may listen on another port than when the terminal enrolled.
    run(home, transport=HttpTransport(url))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--headless", action="store_true",
                        help="run the scripted sync demonstration instead of the app")
    parser.add_argument("--port", type=int, default=0, help="server port (default: any free)")
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "demo",
                        help="where the demo keeps its files")
    parser.add_argument("--fresh", action="store_true",
                        help="start over: remove the demo's files and record it anew")
    args = parser.parse_args(argv)
    headless_mode = args.headless or not (sys.stdin.isatty() and sys.stdout.isatty())
    if not args.headless and headless_mode:
        say("No interactive terminal here: running the scripted demonstration (--headless).")
    var: Path = args.var
    passphrase_file = var / "server-passphrase"
    kept = None if headless_mode or args.fresh else kept_demo(var)
    if kept is not None:
        say(f"Reusing the demo in {var}: what you changed last time is still there "
            "(scripts/demo --fresh starts over).")
        if passphrase_file.is_file():
            os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE",
                                  passphrase_file.read_text().strip())
        return reopen(var, kept, args.port)
    # The server seals its signing key with a passphrase from the environment; the
    # demo makes one up (a deployment supplies its own) and keeps it beside the demo
    # so the next run can open the same server.
    made_up = "CHARTKEEP_SERVER_KEY_PASSPHRASE" not in os.environ
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    if var.exists():
        reason = ("the scripted demonstration needs fresh data" if headless_mode
                  else "--fresh" if args.fresh else "the earlier demo there was incomplete")
        say(f"Starting over ({reason}): removing {var}.")
        shutil.rmtree(var)
    else:
        say(f"Recording a new demo in {var}.")
    server_dir = var / "server"
    say(f"Starting the Chartkeep server on SQLite ({server_dir / 'chartkeep.db'})…")
    demo = seed_server(server_dir)
    if made_up:
        descriptor = os.open(passphrase_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(os.environ["CHARTKEEP_SERVER_KEY_PASSPHRASE"])
    port = args.port or free_port()
    try:
        with running_server(server_dir, port, var / "server.log") as url:
            say(f"  listening on {url}")
            code = headless(demo, url, var) if headless_mode else interactive(demo, url, var)
    except TerminalError as exc:
        say(f"Demo stopped: {exc.message}")
        return 1
    else:
        say("Server stopped cleanly.")
        return code
    finally:
        demo.engine.dispose()


def reopen(var: Path, portal: Login, port: int) -> int:
    """Start the kept demo's server and open the app on its front-desk terminal."""
    server_dir = var / "server"
    say(f"Starting the Chartkeep server on SQLite ({server_dir / 'chartkeep.db'})…")
    try:
        with running_server(server_dir, port or free_port(), var / "server.log") as url:
            say(f"  listening on {url}")
            code = open_app(url, var / "terminals" / "front-desk", portal)
    except TerminalError as exc:
        say(f"Demo stopped: {exc.message}")
        return 1
    say("Server stopped cleanly.")
    return code


if __name__ == "__main__":
    sys.exit(main())
