"""The compliance commands of ``chartkeep-server``: reports, PBJ files, settings.

    report NAME --facility ID --from DATE --to DATE --format pdf|csv|json --out FILE
    report NAME --all-facilities (or --facility ID --facility ID …) … --out DIRECTORY
                                                          one file per facility
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
import re
import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from protocol.reports.catalog import REPORTS
from protocol.reports.model import Report
from protocol.reports.render import FORMATS, render
from protocol.rules.calendar import Quarter
from protocol.rules.staffing.pbj import DEADLINE_WORDS, submission_deadline
from server.errors import AdminError
from server.reports.compliance import (
    facilities_now,
    facility_now,
    facility_pbj,
    facility_report,
    facility_status,
    produced_at,
)
from server.reports.workers import ReportFile, facility_files
from server.settings import Settings
from server.storage.db import read_tx
from server.storage.models import T

from . import compliance

COMMANDS = ("report", "pbj", "compliance", "set-facility", "profiles", "put-profile")
EXIT_OK, EXIT_REJECTED = 0, 1


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("report", help="write a compliance report (" + ", ".join(REPORTS) + ")")
    p.add_argument("name", choices=sorted(REPORTS), metavar="NAME")
    p.add_argument("--facility", action="append", default=[],
                   help="the facility (give it again for several)")
    p.add_argument("--all-facilities", action="store_true",
                   help="every facility, by name (--out is then a directory)")
    p.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    p.add_argument("--format", choices=FORMATS, default="pdf")
    p.add_argument("--out", required=True, type=Path,
                   help="the file; for several facilities, the directory for their files")
    p.add_argument("--today", help="judge as of this date (default: today)")
    p.add_argument("--processes", type=int,
                   help="worker processes for several facilities (default: the cores)")
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


def _facility_day(text: str | None, what: str, engine: Engine, settings: Settings,
                  facility_id: str) -> date:
    """The date given, else the facility's today on its own wall clock (as at its
    terminals, docs/rules.md §0.1), not the date where the server runs."""
    if text is not None:
        return _day(text, what)
    with read_tx(engine) as conn:
        return facility_now(conn, facility_id, settings.clock()).date()


def run(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    command = args.command
    if command == "report":
        return _report(args, engine, settings)
    if command == "pbj":
        return _pbj(args, engine, settings)
    if command == "compliance":
        status = facility_status(engine, args.facility, today=_facility_day(
            args.today, "--today", engine, settings, args.facility))
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
    if args.processes is not None and args.processes < 1:
        raise AdminError("--processes is a whole number, 1 or more")
    names = _facilities(engine, args.facility, every=args.all_facilities)
    if len(names) == 1 and not args.all_facilities:
        (facility_id,) = names
        report = facility_report(engine, args.name, facility_id, start, end,
                                 today=_facility_day(args.today, "--today", engine, settings,
                                                     facility_id),
                                 produced_at=produced_at(settings.clock()),
                                 produced_by="chartkeep-server")
        _write_report(engine, settings, report, facility_id, args.format, args.out)
        print(f"{report.title}: {len(report.rows)} rows, {len(report.failing)} flagged → "
              f"{args.out}")
        return EXIT_OK
    _directory(args.out)
    if args.today is not None:
        today: date | dict[str, date] = _day(args.today, "--today")
    else:  # each facility as of its own date, as at its terminals
        with read_tx(engine) as conn:
            today = {fid: now.date() for fid, now in
                     facilities_now(conn, list(names), settings.clock()).items()}
    files = facility_files(
        engine, settings.database_url, args.name, list(names), start, end, args.format,
        today=today, produced_at=produced_at(settings.clock()), produced_by="chartkeep-server",
        processes=args.processes, progress=_progress)
    written = _write_files(engine, settings, files, names, args.out, args.format, start, end)
    print(f"{args.name} {start.isoformat()} to {end.isoformat()}: {len(names)} facilities, "
          f"{sum(f.flagged for f in written)} with flagged rows → {args.out}")
    return EXIT_OK


def _write_files(engine: Engine, settings: Settings, files: Iterable[ReportFile],
                 names: dict[str, str], out: Path, fmt: str, start: date, end: date
                 ) -> list[ReportFile]:
    """Write each facility's file as it comes, then audit them all in one
    transaction, also those written before a facility failed. A file the audit
    could not record is removed: none is left on disk unaccounted for."""
    written: list[tuple[ReportFile, Path]] = []
    try:
        for file in files:
            path = out / report_file_name(file.name, start, end, names[file.facility_id],
                                          file.facility_id, fmt)
            _write(path, file.data)
            written.append((file, path))
    finally:
        try:
            compliance.audit_exports(engine, settings, [
                (f.facility_id, f"report {f.name} {fmt} {f.period}", str(path))
                for f, path in written])
        except BaseException:
            for _, path in written:
                path.unlink(missing_ok=True)
            raise
    return [f for f, _ in written]


def _facilities(engine: Engine, asked: list[str], *, every: bool) -> dict[str, str]:
    """The facilities asked for (id → name), in the order asked, or every one by
    name; an unknown id is refused before any report is computed."""
    if every and asked:
        raise AdminError("give --facility or --all-facilities, not both")
    if not every and not asked:
        raise AdminError("name the facility (--facility ID, again for several) or give "
                         "--all-facilities")
    with engine.connect() as conn:
        known = dict(conn.execute(sa.select(T.facilities.c.id, T.facilities.c.name)
                                  .order_by(T.facilities.c.name, T.facilities.c.id)).all())
    if every:
        if not known:
            raise AdminError("there are no facilities yet (chartkeep-server create-facility)")
        return known
    unknown = [f for f in asked if f not in known]
    if unknown:
        raise AdminError("no such facility: " + ", ".join(unknown))
    return {f: known[f] for f in dict.fromkeys(asked)}


def report_file_name(name: str, start: date, end: date, facility_name: str,
                     facility_id: str, fmt: str) -> str:
    """``staffing-quarter_2026-07-01_2026-09-30_maple-grove_01J….csv``: sorts by report and
    period, reads by facility, and is unique by the facility's id."""
    slug = re.sub(r"[^a-z0-9]+", "-", facility_name.lower()).strip("-")[:40] or "facility"
    return f"{name}_{start.isoformat()}_{end.isoformat()}_{slug}_{facility_id}.{fmt}"


def _write_report(engine: Engine, settings: Settings, report: Report, facility_id: str,
                  fmt: str, path: Path) -> None:
    _write(path, render(report, fmt))
    compliance.audit_export(engine, settings, facility_id=facility_id,
                            what=f"report {report.name} {fmt} {report.period}",
                            path=str(path))


def _progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total} facilities", end="\n" if done == total else "",
          file=sys.stderr, flush=True)


def _directory(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise AdminError(f"{path} is a file: for several facilities --out names a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AdminError(f"cannot make {path}: {exc}") from None


def _pbj(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    try:
        quarter = Quarter.parse(args.quarter)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    result = facility_pbj(engine, args.facility, quarter, today=_facility_day(
        args.today, "--today", engine, settings, args.facility))
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
          f"{submission_deadline(quarter).isoformat()} {DEADLINE_WORDS})")
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise AdminError(f"cannot write {path}: {exc}") from None
