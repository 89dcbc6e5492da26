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
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from demo_facility import PASSWORD, Demo, enroll, populate, seed_server
from demo_headless import headless
from demo_running import free_port, kept_demo, open_app, reopen, running_server, say

from client.errors import TerminalError


def interactive(demo: Demo, url: str, var: Path) -> int:
    home = var / "terminals" / "front-desk"
    say("Enrolling the front-desk terminal and recording the demo facility…")
    front = enroll(demo, url, home, demo.maple, "dana", PASSWORD, "Front desk")
    populate(demo, front)
    front.lock()
    # Kept for the next run, which reuses this demo (demo credentials only).
    (var / "portal-login.json").write_text(json.dumps(demo.portal.__dict__))
    return open_app(url, home, demo.portal)


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


if __name__ == "__main__":
    sys.exit(main())
