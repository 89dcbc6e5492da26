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
TOTP secret, for the demo only, with a current code); the app's demo also keeps
them, with the terminal's demo login, in ``var/demo/portal-login.json`` while it
runs, shows them on the terminal's sign-in screen, and prints them again when the
app closes. Its server listens on port 8471 when that port is free.

The app's demo lives in ``var/demo/`` and is kept from one run to the next (what
you changed is still there) unless you ask for ``--fresh``. The scripted
demonstration has its own ``var/demo-headless/``, which it starts afresh every
time; it never touches ``var/demo/``. Each run says which it did.
"""

from __future__ import annotations

import argparse
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
from demo_running import (
    DEMO_PORT,
    free_port,
    kept_demo,
    open_app,
    port_or_free,
    reopen,
    running_server,
    say,
    write_login,
)

from client.errors import TerminalError

VAR_ROOT = ROOT / "var"
"""Where both demos keep their files: ``demo/`` (the app's, kept from run to run)
and ``demo-headless/`` (the scripted demonstration's, new every run)."""


def interactive(demo: Demo, url: str, var: Path) -> int:
    home = var / "terminals" / "front-desk"
    say("Enrolling the front-desk terminal and recording the demo facility…")
    front = enroll(demo, url, home, demo.maple, "dana", PASSWORD, "Front desk")
    populate(demo, front)
    front.lock()
    # Kept for the next run, which reuses this demo (demo credentials only).
    write_login(var, demo.portal, url)
    return open_app(url, home, demo.portal)


def start_over_reason(var: Path, *, headless_mode: bool, fresh: bool) -> str | None:
    """Why ``var`` is removed before recording (``None``: there is nothing there).
    The scripted demonstration only ever removes its own directory."""
    if not var.exists():
        return None
    if headless_mode:
        return "the scripted demonstration starts from fresh data every time"
    if fresh:
        return "--fresh"
    if (var / "terminals" / "nurses-station").exists():
        return "it held a scripted demonstration, not the app's demo"
    return "the earlier demo there was incomplete"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--headless", action="store_true",
                        help="run the scripted sync demonstration instead of the app")
    parser.add_argument("--port", type=int, default=0,
                        help=f"server port (default: {DEMO_PORT} for the app's demo if free, "
                        "else any free port)")
    parser.add_argument("--var", type=Path, default=None,
                        help="where the demo keeps its files (default: var/demo, and "
                        "var/demo-headless for the scripted demonstration)")
    parser.add_argument("--fresh", action="store_true",
                        help="start over: remove the demo's files and record it anew")
    args = parser.parse_args(argv)
    headless_mode = args.headless or not (sys.stdin.isatty() and sys.stdout.isatty())
    if not args.headless and headless_mode:
        say("No interactive terminal here: running the scripted demonstration (--headless).")
    var: Path = args.var or VAR_ROOT / ("demo-headless" if headless_mode else "demo")
    if headless_mode and kept_demo(var) is not None:
        say(f"{var} holds the app's demo (what you changed there); the scripted "
            "demonstration will not remove it. Give it another place with --var.")
        return 2
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
    reason = start_over_reason(var, headless_mode=headless_mode, fresh=args.fresh)
    if reason is not None:
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
    port = args.port or (free_port() if headless_mode else port_or_free(DEMO_PORT))
    try:
        with running_server(server_dir, port, var / "server.log") as url:
            say(f"  listening on {url}")
            code = headless(demo, url, var) if headless_mode else interactive(demo, url, var)
    except TerminalError as exc:
        say(f"Demo stopped: {exc.message}")
        return 1
    else:
        say("Server stopped cleanly." + (
            f" The addresses above were for this run only ({url}); scripts/demo keeps "
            "the portal up while the app is open." if headless_mode else ""))
        return code
    finally:
        demo.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
