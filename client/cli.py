"""``chartkeep``: the terminal app, and headless commands for demos and tests.

    chartkeep [--home DIR]                      open the terminal app
    chartkeep enroll --server URL --code CODE --user NAME [--name TERMINAL] --password-stdin
    chartkeep sync   --user NAME --password-stdin
    chartkeep status --user NAME --password-stdin
    chartkeep set-aside                         keep a damaged store aside (encrypted),
                                                then enroll again to fetch the records

Every error a clerk can cause or meet ends in one sentence on stderr and exit
code 1 (2 for a mistyped command or value), never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
import time
from pathlib import Path

from .errors import InputError, TerminalError
from .session import Session
from .terminal import default_home, enroll, is_enrolled, set_aside, unlock


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    home = Path(args.home) if args.home else default_home()
    try:
        if args.command is None:
            return _run_app(home)
        if args.command == "set-aside":
            folder = set_aside(home, time.time_ns() // 1_000_000)
            print(f"The terminal's files are kept, still encrypted, in {folder}. Enroll the "
                  "terminal again with a new code from your regional manager: its first "
                  "sync brings back every record the server holds.")
            return 0
        password = _password(args)
        if args.command == "enroll":
            session = enroll(home, args.server, args.code, args.name or socket.gethostname(),
                             args.user, password)
            print(f"Enrolled terminal {session.terminal_id} for {session.facility_name}.")
            report = session.sync()
            session.lock()
            if report.error:
                print(f"First sync did not finish: {report.error}", file=sys.stderr)
            return 0
        session = unlock(home, args.user, password, on_progress=_progress)
        try:
            if args.command == "sync":
                return _sync(session)
            return _status(session)
        finally:
            session.lock()
    except InputError as exc:
        print(f"chartkeep: {exc.message}", file=sys.stderr)
        return 2
    except TerminalError as exc:
        print(f"chartkeep: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("chartkeep: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chartkeep",
                                     description="Chartkeep records terminal.")
    parser.add_argument("--home", help="the terminal's directory (default: CHARTKEEP_HOME or "
                        "$XDG_DATA_HOME/chartkeep)")
    sub = parser.add_subparsers(dest="command")
    en = sub.add_parser("enroll", help="enroll this terminal with a one-time code")
    en.add_argument("--server", required=True, help="the server's address")
    en.add_argument("--code", required=True, help="the enrollment code")
    en.add_argument("--user", required=True, help="your user name")
    en.add_argument("--name", help="a name for this terminal (default: the host name)")
    for name, text in (("sync", "send changes and receive the facility's records"),
                       ("status", "show what is pending, applied, in conflict or rejected")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--user", required=True, help="your user name")
    sub.add_parser("set-aside", help="keep a damaged store aside (still encrypted) so the "
                   "terminal can be enrolled again and fetch its records from the server")
    for cmd in sub.choices.values():
        cmd.add_argument("--password-stdin", action="store_true",
                         help="read the passphrase from the first line of standard input")
    return parser


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n")
    return getpass.getpass("Passphrase: ")


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def _run_app(home: Path) -> int:
    try:
        from .ui.app import run
    except ImportError:
        print("chartkeep: the terminal app is not installed; use the enroll, sync and status "
              "commands.", file=sys.stderr)
        return 1
    if not is_enrolled(home):
        print(f"No terminal in {home} yet: the app will offer to enroll it.", file=sys.stderr)
    run(home)
    return 0


def _sync(session: Session) -> int:
    report = session.sync()
    print(f"pushed {report.pushed}: applied {report.applied}, conflicts {report.conflicts}, "
          f"rejected {report.rejected}, held {report.held}; received {report.pulled} changes")
    for notice in report.notices:
        print(f"chartkeep: {notice}", file=sys.stderr)
    if report.error:
        print(f"chartkeep: {report.error}", file=sys.stderr)
        return 1
    return 0


def _status(session: Session) -> int:
    outbox = session.outbox
    status = outbox.status()
    applied = len(outbox.operations({"applied"}, limit=1_000_000))
    conflict = len(outbox.operations({"conflict"}, limit=1_000_000))
    print(f"terminal {session.terminal_id} — {session.facility_name}")
    print(f"pending {status.pending}  applied {applied}  conflict {conflict}  "
          f"rejected {status.rejected}  held {status.held}  open conflicts {status.conflicts}")
    last = status.last_sync_at.isoformat(timespec="seconds") if status.last_sync_at else "never"
    print(f"last sync: {last}" + (f" — {status.last_error}" if status.last_error else ""))
    for op in outbox.operations({"rejected"}):
        print(f"rejected #{op.seq} {op.summary}: {op.reason} — {op.reason_text or op.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
