"""Crash safety, proven by killing real processes: a server process and a
terminal process are killed with ``SIGKILL`` at random moments while a clerk's
workload runs (local writes, push, pull), restarted, and finally synced until
quiet; then a history checker compares what the clerk saw saved with what the
terminal and the server hold.

Processes are forked from a parent that has imported everything and runs no
thread, so each episode costs milliseconds, not an interpreter start: the
server child serves on a fixed port (``serve_forever``), the terminal child
opens the encrypted store and works until it is killed. Which phase the
terminal was in when a kill landed (``write``, ``push``, ``pull``, ``idle``) is
read from a small file the child rewrites as it goes, for the figures.

The checker's rules (:func:`check_history`): every change the clerk saw saved
(logged by the child after the call returned) is in the terminal's outbox
exactly once and ends answered — applied, conflict or rejected — never pending
and never lost; the server handled each operation number once and created each
record once; the terminal's copy of every record equals the server's.

``tests/integration/test_crash_kills.py`` runs a bounded, seeded campaign in CI;
``scripts/crash`` runs a longer one and prints the figures (docs/crash-safety.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PHASES = ("write", "push", "pull", "idle")
AIMED = ("write", "push", "pull", None, None, None)
"""What each kill aims at: a phase, or (None) any moment of the terminal's work."""


@dataclass
class Figures:
    points: int = 0
    by_victim: Counter[str] = field(default_factory=Counter)
    by_phase: Counter[str] = field(default_factory=Counter)
    saved: int = 0
    answered: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [f"kill points: {self.points} ({dict(self.by_victim)})",
                f"terminal phase at the kill: {dict(self.by_phase)}",
                f"changes the clerk saw saved: {self.saved}; results: {dict(self.answered)}",
                f"wall time: {self.seconds:.1f} s"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _child(work: Any) -> int:
    """Fork; the child runs ``work`` and leaves without cleanup (as a crash would)."""
    pid = os.fork()
    if pid == 0:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)  # the server's "listening on" line, once per restart
        code = 0
        try:
            work()
        except BaseException:  # noqa: BLE001 - the child reports by exit code only
            code = 1
        os._exit(code)
    return pid


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError("the server child did not start")


class Campaign:
    """One server database, one facility, one terminal directory, and the kills."""

    def __init__(self, settings: Any, home: Path, seed: int) -> None:
        self.settings = settings
        self.home = home
        self.key = b""
        self.user: Any = None
        """The store key and user of an unlocked session (:meth:`use`): children
        open the store with it, without the deliberate cost of a sign-in."""
        self.rng = random.Random(seed)
        self.log = home.parent / "saved.jsonl"
        self.phase = home.parent / "phase"
        self.server_pid: int | None = None
        self.figures = Figures()

    def use(self, session: Any) -> None:
        self.key, self.user = session._key, session.user

    # --- the processes ---------------------------------------------------------------

    def start_server(self) -> None:
        from server.http.runner import serve_forever

        if self.server_pid is None:
            self.server_pid = _child(lambda: serve_forever(self.settings))
            _wait_for_port(self.settings.port)

    def _terminal_work(self, seed: int) -> None:
        from client.clock import SystemClock
        from client.session import Session
        from client.store.database import Store
        from client.sync.transport import HttpTransport
        from client.terminal import STORE_FILE, read_terminal

        rng = random.Random(seed)
        session = Session(home=self.home, store=Store(self.home / STORE_FILE, self.key),
                          store_key=self.key, user=self.user,
                          terminal=read_terminal(self.home), clock=SystemClock(),
                          transport=HttpTransport(self.url), sleep=lambda _s: None)
        phase = os.open(self.phase, os.O_WRONLY | os.O_CREAT, 0o600)
        log = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

        def mark(name: str) -> None:
            os.pwrite(phase, name.ljust(8).encode(), 0)

        def saved(entry: dict[str, Any]) -> None:
            os.write(log, (json.dumps(entry) + "\n").encode())

        residents = [r.id for r in session.residents.census(limit=200).rows]
        while True:
            roll = rng.random()
            if roll < 0.55 or not residents:
                mark("write")
                if roll < 0.2 or not residents:
                    rid = session.residents.register({
                        "family_name": rng.choice(["Ng", "Ruiz", "Okafor"]),
                        "given_name": rng.choice(["Ann", "Bo", "Cy"]),
                        "birth_date": "1940-02-03", "sex": "female"})
                    residents.append(rid)
                    saved({"create": rid})
                elif roll < 0.4:
                    seq = session.residents.update(rng.choice(residents),
                                                   {"phone": f"555-{rng.randrange(10_000):04d}"})
                    saved({"seq": seq})
                else:
                    note = session.notes.add(rng.choice(residents), {
                        "category": "progress", "clinical_time": "2026-11-09T08:00",
                        "body": f"note {rng.randrange(10**6)}"})
                    saved({"create": note})
            else:
                mark("push")
                session.sync(lambda p: mark(p.phase))
            mark("idle")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    # --- the campaign ------------------------------------------------------------------

    def run(self, points: int, *, max_delay_s: float = 0.25) -> Figures:
        started = time.monotonic()
        self.start_server()
        while self.figures.points < points:
            self.start_server()
            self.phase.write_bytes(b"idle    ")
            seed = self.rng.randrange(2**32)
            term = _child(partial(self._terminal_work, seed))
            # Half the kills aim at a phase: the kill comes within 20 ms of the terminal
            # entering it (a pull of one terminal's own changes is short, and a delay
            # counted from the fork lands mostly in start-up on a busy machine); the other
            # half come at a random time after the terminal's first step of work.
            target = self.rng.choice(AIMED)
            if _wait_for_phase(self.phase, target):
                time.sleep(self.rng.uniform(0.0, 0.02))
            else:
                time.sleep(self.rng.uniform(0.05, max_delay_s))
            phase = self.phase.read_bytes().decode().strip() or "idle"
            if self.rng.random() < 0.3:
                assert self.server_pid is not None
                _kill(self.server_pid)
                self.server_pid = None
                self.figures.by_victim["server"] += 1
            else:
                self.figures.by_victim["terminal"] += 1
            self.figures.by_phase[phase if phase in PHASES else "idle"] += 1
            self.figures.points += 1
            _kill(term)
        self.start_server()
        self.figures.seconds = time.monotonic() - started
        return self.figures

    def stop(self) -> None:
        if self.server_pid is not None:
            _kill(self.server_pid)
            self.server_pid = None


def _wait_for_phase(phase: Path, target: str | None, timeout_s: float = 30.0) -> bool:
    """Until the terminal child marks ``target`` (``None``: any phase of work);
    whether that phase was seen before the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen = phase.read_bytes().decode().strip()
        if seen == target:
            return True
        if target is None and seen not in ("", "idle"):
            return False
        time.sleep(0.002)
    return False


def saved_entries(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").splitlines()
    # A line cut by the kill is a change whose "saved" was not yet shown.
    return [json.loads(line) for line in lines if line.endswith("}")]


def check_history(session: Any, engine: sa.Engine, facility_id: str,
                  log: Path) -> tuple[int, Counter[str]]:
    """The history checker (see the module's docstring). Returns how many saved
    changes it checked and their results by status."""
    from client.store.database import OUTBOX, RECORDS

    with session.store.read() as conn:
        outbox = conn.execute(sa.select(OUTBOX.c.seq, OUTBOX.c.op_id, OUTBOX.c.op_type,
                                        OUTBOX.c.record_id, OUTBOX.c.status)).all()
        local = {r.id: (r.kind, json.loads(r.data), r.status) for r in conn.execute(
            sa.select(RECORDS.c.id, RECORDS.c.kind, RECORDS.c.data, RECORDS.c.status)
            .where(RECORDS.c.data.is_not(None)))}
    by_seq = {r.seq: r for r in outbox}
    creates = Counter(r.record_id for r in outbox if r.op_type == "create")
    entries = saved_entries(log)
    results: Counter[str] = Counter()
    for entry in entries:
        if "create" in entry:
            assert creates[entry["create"]] == 1, f"create {entry['create']} not exactly once"
            row = next(r for r in outbox if r.record_id == entry["create"]
                       and r.op_type == "create")
        else:
            row = by_seq.get(entry["seq"])
            assert row is not None, f"saved change {entry['seq']} lost"
        assert row.status in ("applied", "conflict", "rejected"), (
            f"saved change {row.seq} ended {row.status}")
        results[row.status] += 1
    assert len({r.op_id for r in outbox}) == len(outbox)
    with engine.connect() as conn:
        handled = conn.execute(sa.text(
            "SELECT seq, count(*) AS n FROM ops WHERE terminal_id = :t GROUP BY seq "
            "HAVING count(*) > 1"), {"t": session.terminal_id}).all()
        assert not handled, f"operation numbers handled twice: {handled}"
        created = conn.execute(sa.text(
            "SELECT record_id, count(*) AS n FROM changes WHERE facility_id = :f "
            "AND kind IN ('resident', 'note') GROUP BY record_id"), {"f": facility_id}).all()
        server = {r.id: (r.kind, _json(r.data), r.status) for r in conn.execute(sa.text(
            "SELECT id, kind, data, status FROM records WHERE facility_id = :f"),
            {"f": facility_id})}
    for record_id, _n in created:
        assert creates.get(record_id, 0) <= 1
    assert local == server, "the terminal's records differ from the server's"
    return len(entries), results


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
