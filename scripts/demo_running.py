"""Running the demo: the server as its own process, the terminal app on the
front-desk terminal, and the demo an earlier run kept in ``var/demo``."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from demo_facility import PASSWORD
from demo_portal import Login, describe

from client import terminal
from client.errors import TerminalError
from client.sync.transport import HttpTransport

ROOT = Path(__file__).resolve().parent.parent
DEMO_PORT = 8471
"""The app's demo server listens here when the port is free, so the portal's
address is the same from run to run (the README names it)."""
LOGIN_FILE = "portal-login.json"


WIDTH = 80
"""The logins printed around the app fit a plain 80-column terminal, the app's."""


def say(text: str = "") -> None:
    print(text, flush=True)


def fitted(text: str, width: int = WIDTH) -> list[str]:
    """``text``'s lines wrapped to ``width`` columns, each keeping its indent (a
    word wider than that, a long path, stays whole on a line of its own)."""
    lines: list[str] = []
    for line in text.split("\n"):
        indent = line[:len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line, width, subsequent_indent=indent + "  ",
                               break_long_words=False, break_on_hyphens=False) or [""]
    return lines


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_or_free(port: int) -> int:
    """``port`` if nothing listens there yet, else any free port."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def write_login(var: Path, portal: Login, url: str) -> None:
    """Where and how to sign in to this run's demo, beside it (demo credentials
    only; readable by this user alone): the next run reuses the portal login."""
    data = {**portal.__dict__, "portal": f"{url}/portal",
            "terminal": {"user": "dana", "passphrase": PASSWORD}}
    path = var / LOGIN_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(json.dumps(data, indent=2) + "\n")


def sign_in_hint(url: str, login_file: Path) -> str:
    """What the terminal's sign-in screen shows in the demo (never in a deployment)."""
    shown = login_file.relative_to(ROOT) if login_file.is_relative_to(ROOT) else login_file
    return (f"Demo: user dana, passphrase {PASSWORD}\n"
            f"Portal {url}/portal, login in {shown}")


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


def kept_demo(var: Path) -> Login | None:
    """The portal login of a demo an earlier run left in ``var``, if it is whole."""
    login_file = var / "portal-login.json"
    server_db = var / "server" / "chartkeep.db"
    if not (login_file.is_file() and server_db.is_file()
            and terminal.is_enrolled(var / "terminals" / "front-desk")):
        return None
    try:
        data = json.loads(login_file.read_text())
        return Login(data["username"], data["password"], data["secret"])
    except (ValueError, TypeError, KeyError):
        return None


def login_lines(url: str, home: Path, portal: Login) -> list[str]:
    """The demo's logins and where they are kept, as printed before and after the app."""
    lines: list[str] = []

    def add(text: str = "") -> None:
        lines.extend(fitted(text))

    add("\n  Demo login:  user  dana")
    add(f"               passphrase  {PASSWORD}")
    add(f"  (server {url}; terminal files in {home})")
    describe(url, portal, add)
    add(f"  Both logins and the portal's address are in {home.parent.parent / LOGIN_FILE}.")
    return lines


def closing_lines(url: str, home: Path, portal: Login) -> list[str]:
    """What the demo prints when the app has closed: the logins once more."""
    return [*fitted("The app has closed; the demo's logins once more (the server stops "
                    "now, and scripts/demo starts it again with what you changed):"),
            *login_lines(url, home, portal)]


def open_app(url: str, home: Path, portal: Login) -> int:
    for line in login_lines(url, home, portal):
        say(line)
    say("  Press F1 in the app for help; ctrl+q quits.\n")
    time.sleep(1.5)
    from client.ui.app import run

    # The server may listen on another port than when the terminal enrolled.
    run(home, transport=HttpTransport(url),
        demo_hint=sign_in_hint(url, home.parent.parent / LOGIN_FILE))
    for line in closing_lines(url, home, portal):
        say(line)
    return 0


def reopen(var: Path, portal: Login, port: int) -> int:
    """Start the kept demo's server and open the app on its front-desk terminal."""
    server_dir = var / "server"
    say(f"Starting the Chartkeep server on SQLite ({server_dir / 'chartkeep.db'})…")
    try:
        with running_server(server_dir, port or port_or_free(DEMO_PORT),
                            var / "server.log") as url:
            say(f"  listening on {url}")
            write_login(var, portal, url)
            code = open_app(url, var / "terminals" / "front-desk", portal)
    except TerminalError as exc:
        say(f"Demo stopped: {exc.message}")
        return 1
    say("Server stopped cleanly.")
    return code
