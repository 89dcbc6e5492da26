"""``chartkeep-server``: initialise, serve and administer the Chartkeep server.

Exit codes: 0 success, 1 a check failed (``verify-audit``) or CMS would reject
the PBJ file (``pbj``), 2 bad usage or an administrative error (the message says
what to do). The compliance commands are in :mod:`.compliance_cli`, the records
department's settings in :mod:`.records_cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from protocol.audit_log import checkpoint_from_json, checkpoint_to_json
from protocol.merkle import Checkpoint, ProofError
from server.core.passwords import PasswordRejected
from server.errors import AdminError, ServerError
from server.portal import accounts
from server.settings import Settings
from server.storage.db import make_engine

from . import actions, compliance_cli, records_cli

EXIT_OK, EXIT_CHECK_FAILED, EXIT_ERROR = 0, 1, 2


def _review_copies(engine: Engine, settings: Settings, args: argparse.Namespace) -> None:
    if args.accept is not None or args.discard is not None:
        accept = args.accept is not None
        done = actions.decide_copy(engine, settings, terminal_id=args.terminal,
                                   kept_id=args.accept if accept else args.discard,
                                   decision="accept" if accept else "discard",
                                   reviewer=args.reviewer)
        print(f"{done.id}\tnumber {done.seq}\t{done.review}"
              + (f" ({done.reason})" if done.reason and done.review != "discarded" else ""))
        return
    found = actions.review_copies(engine, terminal_id=args.terminal)
    print(f"{found.terminal.name}: stopped {_when(found.terminal.quarantined_at)} "
          f"({found.terminal.reason}); {found.terminal.open} of {found.terminal.kept} "
          "waiting for a decision")
    for side in found.records:
        print(f"\n{side.label} [{side.record_id}]")
        for copy in found.copies:
            for op in side.by_copy.get(copy, []):
                fields = ", ".join(f"{k}={v}" for k, v in op.fields)
                print(f"  {op.id}\t{copy}\tnumber {op.seq}\t{op.review}\t"
                      f"{op.op_type} {op.kind} by {op.username}: {fields}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chartkeep-server",
                                     description="The Chartkeep central sync server.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in the data "
                        "directory, or CHARTKEEP_SERVER_DATABASE_URL)")
    parser.add_argument("--data-dir", help="data directory (default CHARTKEEP_SERVER_DATA "
                        "or ./var/server)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("init", help="create or upgrade the database and the server key")
    p = sub.add_parser("restore", help="declare that the database was just restored from a "
                       "backup: a new log generation, so every terminal re-sends what the "
                       "backup lacks and pulls again; run it before serving")
    p.add_argument("--note", default="", help="what was restored, from when (audited)")
    serve = sub.add_parser("serve", help="serve terminals until SIGINT/SIGTERM")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate (chain): serve HTTPS")
    serve.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    sub.add_parser("publish-directory", help="send every facility's terminals the names of "
                   "the other facilities and of their own terminals (once, after upgrading "
                   "a server whose facilities predate it)")
    p = sub.add_parser("create-facility", help="add a facility; prints its id")
    p.add_argument("--name", required=True)
    p.add_argument("--state", required=True, help="two-letter state code, e.g. OH")
    p.add_argument("--mrn-prefix", required=True)
    p = sub.add_parser("create-unit", help="add a unit to a facility; prints its id")
    p.add_argument("--facility", required=True)
    p.add_argument("--name", required=True)
    p = sub.add_parser("create-bed", help="add a bed to a unit; prints its id")
    p.add_argument("--unit", required=True)
    p.add_argument("--label", required=True)
    p = sub.add_parser("create-user", help="add a user; prints its id")
    p.add_argument("--facility", help="facility id (omit for regional staff)")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True,
                   choices=["clerk", "records_manager", "regional_manager", "inspector"])
    p.add_argument("--display-name", default="")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    for command, what in (("create-admin", "an administrator of the portal"),
                          ("create-manager", "a regional manager (with --facilities)")):
        p = sub.add_parser(command, help=f"add {what}; prints the password (unless given "
                           "with --password-stdin) and the TOTP secret, once")
        p.add_argument("--username", required=True)
        p.add_argument("--display-name", default="")
        p.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")
        if command == "create-manager":
            p.add_argument("--facilities", required=True, nargs="+", metavar="FACILITY",
                           help="facility ids of the manager's region")
    p = sub.add_parser("deactivate-user", help="deactivate a user; their pending changes "
                       "will be held for review")
    p.add_argument("--username", required=True)
    p = sub.add_parser("issue-code", help="issue a one-time terminal enrollment code")
    p.add_argument("--facility", required=True)
    p.add_argument("--ttl-hours", type=float)
    p = sub.add_parser("revoke-terminal", help="revoke a terminal's key")
    p.add_argument("--terminal", required=True)
    p = sub.add_parser("list-terminals", help="list enrolled terminals")
    p.add_argument("--facility")
    p = sub.add_parser("review-held", help="apply or reject a held operation")
    p.add_argument("--terminal", required=True)
    p.add_argument("--seq", required=True, type=int)
    p.add_argument("--decision", required=True, choices=["apply", "reject"])
    p.add_argument("--reviewer", help="who decided (recorded in the audit log)")
    p = sub.add_parser("review-copies", help="show what the two copies of a cloned "
                       "(quarantined) terminal sent, record by record; with --accept or "
                       "--discard, decide one of them (the number in the first column)")
    p.add_argument("--terminal", required=True)
    decision = p.add_mutually_exclusive_group()
    decision.add_argument("--accept", type=int, metavar="KEPT")
    decision.add_argument("--discard", type=int, metavar="KEPT")
    p.add_argument("--reviewer", help="who decided (recorded in the audit log)")
    compliance_cli.add_parsers(sub)
    records_cli.add_parsers(sub)
    p = sub.add_parser("verify-audit", help="check every audit chain, its Merkle tree and "
                       "its history against signed checkpoints")
    p.add_argument("--against", action="append", type=Path, default=[], metavar="FILE",
                   help="checkpoints kept outside the database (from `checkpoint --out`); "
                   "may be given more than once")
    p = sub.add_parser("set-offline-window", help="how many days the facility's terminals "
                       "may sign users in without reaching the server (default 14)")
    p.add_argument("--facility", required=True)
    p.add_argument("--days", required=True, type=int)
    sub.add_parser("rotate-key", help="make a new server signing key, announced signed by "
                   "the current one (enrolled terminals follow it); restart every server "
                   "process with the new key file")
    p = sub.add_parser("grant-app-role", help="PostgreSQL: grant an existing role what the "
                       "server needs, without UPDATE/DELETE on the audit tables; run as the "
                       "owner, then serve with a database URL naming that role")
    p.add_argument("--role", required=True)
    p = sub.add_parser("checkpoint", help="publish signed checkpoints of the audit logs now "
                       "and print the latest of each")
    p.add_argument("--out", type=Path, help="also write them to this JSON file, to keep "
                   "outside the database for `verify-audit --against`")
    return parser


def _when(ms: int | None) -> str:
    return "-" if ms is None else datetime.fromtimestamp(ms / 1000, UTC).strftime(
        "%Y-%m-%d %H:%M UTC")


def _create_account(engine: Engine, settings: Settings, args: argparse.Namespace) -> None:
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    made = accounts.create_account(
        engine, settings, username=args.username, display_name=args.display_name,
        role="administrator" if args.command == "create-admin" else "regional_manager",
        password=password, facilities=getattr(args, "facilities", ()) or ())
    print(f"account {made.id} ({made.username})")
    if made.password:
        print(f"password: {made.password}")
    print(f"TOTP secret: {made.totp_secret}")
    print(f"TOTP URI: {made.totp_uri}")
    print("These are shown once. Enter the secret (or the URI as a QR code) in an "
          "authenticator app; sign in at /portal.")


def _held(paths: list[Path]) -> list[Checkpoint]:
    held: list[Checkpoint] = []
    for path in paths:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            items = value if isinstance(value, list) else [value]
            held.extend(checkpoint_from_json(item) for item in items)
        except (OSError, ValueError, ProofError) as exc:
            raise AdminError(f"{path} holds no checkpoints: {exc}") from None
    return held


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env(database_url=args.database_url, data_dir=args.data_dir,
                                 host=getattr(args, "host", None),
                                 port=getattr(args, "port", None),
                                 tls_cert=getattr(args, "tls_cert", None),
                                 tls_key=getattr(args, "tls_key", None))
    try:
        return _run(args, settings)
    except (ServerError, PasswordRejected) as exc:
        print(f"chartkeep-server: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (OperationalError, ProgrammingError) as exc:
        print(f"chartkeep-server: database problem: {exc.orig}\n"
              "Is the database reachable, and has `chartkeep-server init` been run?",
              file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        # Imported here: the web server (aiohttp, the portal's templates) is a
        # second of start-up that no other command needs.
        from server.http.runner import serve_forever

        serve_forever(settings)
        return EXIT_OK
    engine = make_engine(settings.database_url)
    try:
        if args.command in compliance_cli.COMMANDS:
            return compliance_cli.run(args, engine, settings)
        if args.command in records_cli.COMMANDS:
            return records_cli.run(args, engine, settings)
        if args.command == "init":
            key = actions.init(engine, settings)
            print(f"database ready; server key {key.hex()}")
        elif args.command == "restore":
            generation = actions.declare_restore(engine, settings, note=args.note)
            print(f"log generation {generation}: terminals will re-send what this database "
                  "lacks at their next sync")
        elif args.command == "publish-directory":
            count = actions.publish_directory(engine, settings)
            print(f"names sent to the terminals of {count} facilities")
        elif args.command == "create-facility":
            print(actions.create_facility(engine, settings, name=args.name, state=args.state,
                                        mrn_prefix=args.mrn_prefix))
        elif args.command == "create-unit":
            print(actions.create_unit(engine, settings, facility_id=args.facility,
                                    name=args.name))
        elif args.command == "create-bed":
            print(actions.create_bed(engine, settings, unit_id=args.unit, label=args.label))
        elif args.command == "create-user":
            password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
            print(actions.create_user(engine, settings, facility_id=args.facility,
                                    username=args.username, role=args.role,
                                    password=password, display_name=args.display_name))
        elif args.command in ("create-admin", "create-manager"):
            _create_account(engine, settings, args)
        elif args.command == "deactivate-user":
            actions.deactivate_user(engine, settings, username=args.username)
        elif args.command == "issue-code":
            print(actions.issue_code(engine, settings, facility_id=args.facility,
                                   ttl_hours=args.ttl_hours))
        elif args.command == "revoke-terminal":
            actions.revoke_terminal(engine, settings, terminal_id=args.terminal)
        elif args.command == "list-terminals":
            for t in actions.list_terminals(engine, facility_id=args.facility):
                state = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active"
                print(f"{t.id}\t{t.facility_id}\t{t.name}\tenrolled {_when(t.enrolled_at)}"
                      f"\t{state}\tlast op {t.last_seq}")
        elif args.command == "review-held":
            result = actions.review_held(engine, settings, terminal_id=args.terminal,
                                       seq=args.seq, decision=args.decision,
                                       reviewer=args.reviewer)
            print(f"{result.status}" + (f" ({result.reason})" if result.reason else ""))
        elif args.command == "review-copies":
            _review_copies(engine, settings, args)
        elif args.command == "set-offline-window":
            actions.set_offline_window(engine, settings, facility_id=args.facility,
                                       days=args.days)
        elif args.command == "rotate-key":
            public = actions.rotate_key(engine, settings)
            print(f"new server key {public.hex()}; restart every server process")
        elif args.command == "grant-app-role":
            actions.grant_app_role(engine, args.role)
            print(f"role {args.role} may read and write, and only append to the audit log")
        elif args.command == "checkpoint":
            found = [checkpoint_to_json(c) for c in actions.publish_checkpoints(engine,
                                                                               settings)]
            for item in found:
                print(json.dumps(item))
            if args.out is not None:
                args.out.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
        elif args.command == "verify-audit":
            problem = actions.verify_audit(engine, held=_held(args.against))
            if problem is not None:
                print(problem, file=sys.stderr)
                return EXIT_CHECK_FAILED
            print("audit log intact")
    finally:
        engine.dispose()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
