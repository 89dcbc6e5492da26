"""The compliance commands of ``chartkeep-server``: reports, PBJ files, settings.

    report NAME --facility ID --from DATE --to DATE --format pdf|csv|json --out FILE
    pbj --facility ID --quarter 2027Q1 --out FILE.xml     (exit 1 + problems if CMS
                                                           would reject the file)
    compliance --facility ID                              today's status in words
    set-facility --facility ID [--profile KEY] [--day-start HH:MM] [--pbj-id ID] …
    profiles                                              the staffing profiles offered
    put-profile --file PROFILE.json                       add or edit a profile

Writing a report or a PBJ file is audited in the facility's chain.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from protocol.reports.catalog import REPORTS, UnknownReport
from protocol.reports.render import FORMATS, render
from protocol.rules.calendar import Quarter
from protocol.rules.staffing.pbj import submission_deadline
from server.errors import AdminError
from server.reports.compliance import facility_pbj, facility_report, facility_status
from server.settings import Settings

from . import compliance

COMMANDS = ("report", "pbj", "compliance", "set-facility", "profiles", "put-profile")
EXIT_OK, EXIT_REJECTED = 0, 1


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("report", help="write a compliance report (" + ", ".join(REPORTS) + ")")
    p.add_argument("name", choices=sorted(REPORTS), metavar="NAME")
    p.add_argument("--facility", required=True)
    p.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    p.add_argument("--format", choices=FORMATS, default="pdf")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--today", help="judge as of this date (default: today)")
    p = sub.add_parser("pbj", help="write the quarter's PBJ file (exits 1 and lists the "
                       "problems when CMS would reject it)")
    p.add_argument("--facility", required=True)
    p.add_argument("--quarter", required=True, help="federal fiscal quarter, e.g. 2027Q1")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--today", help="judge as of this date (default: today)")
    p = sub.add_parser("compliance", help="a facility's compliance status today, in words")
    p.add_argument("--facility", required=True)
    p.add_argument("--today")
    p = sub.add_parser("set-facility", help="a facility's compliance settings")
    p.add_argument("--facility", required=True)
    p.add_argument("--profile", help="staffing profile key (see `profiles`)")
    p.add_argument("--day-start", help="when the facility day starts, HH:MM (default 00:00)")
    p.add_argument("--occupancy-method",
                   help="quarter_to_date, quarter_through_day or previous_quarter")
    p.add_argument("--pbj-id", help="the state-assigned PBJ facility id")
    p.add_argument("--waiver", nargs=3, metavar=("START", "END", "NOTE"),
                   help="add a dated RN waiver")
    p.add_argument("--licensed-beds", nargs=2, metavar=("FROM", "BEDS"),
                   help="licensed beds from a date on")
    sub.add_parser("profiles", help="list the staffing profiles offered")
    p = sub.add_parser("put-profile", help="add or replace a staffing profile (JSON)")
    p.add_argument("--file", required=True, type=Path)


def _day(text: str | None, what: str) -> date:
    if text is None:
        return datetime.now().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AdminError(f"{what} must be a date written YYYY-MM-DD") from None


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M")


def run(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    command = args.command
    if command == "report":
        return _report(args, engine, settings)
    if command == "pbj":
        return _pbj(args, engine, settings)
    if command == "compliance":
        status = facility_status(engine, args.facility, today=_day(args.today, "--today"))
        for line in status.lines:
            print(f"{line.level.upper():<4}  {line.text}")
        return EXIT_OK
    if command == "set-facility":
        beds = None
        if args.licensed_beds:
            try:
                beds = (args.licensed_beds[0], int(args.licensed_beds[1]))
            except ValueError:
                raise AdminError("the number of licensed beds is a whole number") from None
        done = compliance.set_facility(
            engine, settings, facility_id=args.facility, profile=args.profile,
            day_start=args.day_start, occupancy_method=args.occupancy_method,
            pbj_facility_id=args.pbj_id, waiver=tuple(args.waiver) if args.waiver else None,
            licensed_beds=beds)
        print(json.dumps({k: v for k, v in done.to_dict().items() if k != "profile"}
                         | {"profile": done.profile.key}, indent=2))
        return EXIT_OK
    if command == "profiles":
        for key, profile in sorted(compliance.profiles(engine).items()):
            tag = " (informational)" if profile.informational else ""
            print(f"{key}\t{profile.name}{tag}\t{profile.citation}")
        return EXIT_OK
    try:
        data = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AdminError(f"cannot read {args.file}: {exc}") from None
    print(compliance.put_profile(engine, settings, data))
    return EXIT_OK


def _report(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if end < start:
        raise AdminError("--to is before --from")
    try:
        report = facility_report(engine, args.name, args.facility, start, end,
                                 today=_day(args.today, "--today"), produced_at=_now(),
                                 produced_by="chartkeep-server")
    except UnknownReport as exc:
        raise AdminError(str(exc)) from None
    data = render(report, args.format)
    _write(args.out, data)
    compliance.audit_export(engine, settings, facility_id=args.facility,
                            what=f"report {args.name} {args.format} {report.period}",
                            path=str(args.out))
    print(f"{report.title}: {len(report.rows)} rows, {len(report.failing)} flagged → "
          f"{args.out}")
    return EXIT_OK


def _pbj(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    try:
        quarter = Quarter.parse(args.quarter)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    result = facility_pbj(engine, args.facility, quarter, today=_day(args.today, "--today"))
    for line in result.problems:
        print(line, file=sys.stderr)
    if result.export.xml is None:
        print(f"PBJ {quarter}: CMS would reject this file; nothing written. Fix the entries "
              "above and run again.", file=sys.stderr)
        return EXIT_REJECTED
    _write(args.out, result.export.xml.encode("utf-8"))
    compliance.audit_export(engine, settings, facility_id=args.facility,
                            what=f"pbj {quarter}", path=str(args.out))
    print(f"PBJ {quarter}: {result.employees} employees → {args.out} (due "
          f"{submission_deadline(quarter).isoformat()})")
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise AdminError(f"cannot write {path}: {exc}") from None
