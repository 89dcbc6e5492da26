"""The records department's settings in ``chartkeep-server``:

    records-settings --facility ID                       the profile and checklist in force
    set-records-settings --facility ID [--profile FILE.json | --state-default]
                                       [--checklist FILE.json | --default-checklist]
                                       [--timezone ZONE | --state-timezone]

    accounting --facility ID --mrn MRN --out FILE.pdf [--requested-on DATE]
               [--from DATE --to DATE]              a resident's accounting of
                                                    disclosures (PDF + CSV beside it)

A profile or checklist file holds the JSON that ``records-settings`` prints for
it (``records_profile`` / ``completeness_checklist``), so the usual way is to
print the settings, edit a copy and set it back. Terminals receive the change
at their next pull; each change is audited in the facility's chain.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from protocol.reports.accounting_document import to_csv, to_pdf
from server.core.accounting import resident_accounting
from server.core.records_settings import records_settings, set_records_settings
from server.errors import AdminError
from server.reports.compliance import facility_now
from server.settings import Settings
from server.storage.db import read_tx

from . import compliance

COMMANDS = ("records-settings", "set-records-settings", "accounting")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("records-settings", help="a facility's records profile and "
                       "completeness checklist, as JSON")
    p.add_argument("--facility", required=True)
    p = sub.add_parser("set-records-settings", help="set a facility's records profile "
                       "and/or completeness checklist from JSON files")
    p.add_argument("--facility", required=True)
    profile = p.add_mutually_exclusive_group()
    profile.add_argument("--profile", type=Path, help="the records profile (JSON)")
    profile.add_argument("--state-default", action="store_true",
                         help="go back to the state's default records profile")
    checklist = p.add_mutually_exclusive_group()
    checklist.add_argument("--checklist", type=Path, help="the completeness checklist (JSON)")
    checklist.add_argument("--default-checklist", action="store_true",
                           help="go back to the default completeness checklist")
    _add_accounting(sub)
    zone = p.add_mutually_exclusive_group()
    zone.add_argument("--timezone", help="the zone the records clocks run on (an IANA name, "
                      "e.g. America/Denver; default: the zone most of the state keeps)")
    zone.add_argument("--state-timezone", action="store_true",
                      help="go back to the state's time zone")


def _add_accounting(sub: Any) -> None:
    p = sub.add_parser("accounting", help="a resident's accounting of disclosures (PDF and "
                       "CSV), from every disclosure the facility logged, even of a destroyed "
                       "record")
    p.add_argument("--facility", required=True)
    p.add_argument("--mrn", required=True, help="the resident's record number")
    p.add_argument("--requested-on", help="the date of the request (default: today)")
    p.add_argument("--from", dest="asked_from", help="a shorter period asked: first day")
    p.add_argument("--to", dest="asked_to", help="a shorter period asked: last day")
    p.add_argument("--out", required=True, type=Path, help="the PDF; the CSV goes beside it")


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AdminError(f"{what} must be a date written YYYY-MM-DD") from None


def _accounting(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    with read_tx(engine) as conn:  # the facility's date, as at its terminals
        today = facility_now(conn, args.facility, settings.clock()).date()
    document = resident_accounting(
        engine, args.facility, args.mrn, request_on=_day(args.requested_on,
                                                         "--requested-on") or today,
        provided_on=today, asked_from=_day(args.asked_from, "--from"),
        asked_to=_day(args.asked_to, "--to"))
    pdf = args.out if args.out.suffix.lower() == ".pdf" else args.out.with_name(
        args.out.name + ".pdf")
    csv_path = pdf.with_suffix(".csv")
    try:
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(to_pdf(document))
        csv_path.write_text(to_csv(document), encoding="utf-8")
    except OSError as exc:
        raise AdminError(f"cannot write {pdf}: {exc.strerror or exc}") from None
    compliance.audit_export(engine, settings, facility_id=args.facility,
                            what=f"accounting of disclosures {args.mrn} {document.period}",
                            path=str(pdf), actor="chartkeep-server")
    print(f"Accounting of disclosures of {document.resident} ({document.period}): "
          f"{len(document.accounting.lines)} lines → {pdf}, {csv_path}")
    return 0


def _json(path: Path | None, what: str) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AdminError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise AdminError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise AdminError(f"{path}: a {what} is a JSON object")
    # Accept the whole output of `records-settings` too, taking the part asked for.
    inner = data.get("records_profile" if what == "records profile"
                     else "completeness_checklist")
    return inner if isinstance(inner, dict) else data


def run(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    if args.command == "accounting":
        return _accounting(args, engine, settings)
    if args.command == "records-settings":
        found = records_settings(engine, args.facility)
    else:
        if not (args.profile or args.state_default or args.checklist
                or args.default_checklist or args.timezone or args.state_timezone):
            raise AdminError("nothing to set: give --profile, --state-default, --checklist, "
                             "--default-checklist, --timezone or --state-timezone")
        found = set_records_settings(
            engine, settings, facility_id=args.facility,
            profile=_json(args.profile, "records profile"),
            checklist=_json(args.checklist, "completeness checklist"),
            timezone=args.timezone, default_profile=args.state_default,
            default_checklist=args.default_checklist, default_timezone=args.state_timezone,
            actor="chartkeep-server")
    print(json.dumps(found.to_dict(), indent=2))
    return 0
