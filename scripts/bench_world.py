"""The world scripts/bench measures in: a real server with the bench's facility and
users, on SQLite or in a fresh PostgreSQL schema, in its own process or in this one;
enrolled terminals; a busy terminal's offline backlog; and the report's target lines.

The server runs **in its own process** by default (``chartkeep-server serve`` on
loopback, started as scripts/load starts its servers), as it always does in
production: the terminal's Python work and the server's then take a core each
instead of sharing one interpreter lock. ``in_process=True`` runs it in a thread of
this process (``ServerThread``), the shape every figure before 2026-12-07 was
measured in, kept as a diagnostic and for the profilers (which wrap the server's
functions, so they need it here).

A server process's CPU and I/O are read from ``/proc/<pid>/stat`` and ``/proc/<pid>/io``
(Linux): the whole process, its HTTP edge and WAL checkpoints included.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client import terminal
from client.clock import ManualClock
from client.session import Session
from client.store.database import OUTBOX
from client.store.outbox import next_seq
from protocol.codec import encode
from protocol.ids import new_id
from server import admin
from server.http.runner import ServerThread
from server.settings import Settings

PASSWORD = "benchmarks are measured not guessed"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@dataclass
class Target:
    name: str
    measured: float
    goal: float
    unit: str
    higher_is_better: bool

    @property
    def ok(self) -> bool:
        return self.measured >= self.goal if self.higher_is_better else self.measured <= self.goal

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        return (f"{self.name} {_figure(self.measured)}{self.unit} "
                f"{sign}{_figure(self.goal)}{self.unit} {'ok' if self.ok else 'short'}")


def _figure(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def say(text: str = "") -> None:
    print(text, flush=True)


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - started
    elapsed.append(time.perf_counter() - started)


# --- a process's own counters ---------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (its threads, not its children)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def process_io(pid: int) -> dict[str, int]:
    """Process ``pid``'s I/O counters: ``rchar``/``wchar`` (bytes through read and
    write calls: files and sockets), ``read_bytes``/``write_bytes`` (from and to
    storage), ``syscr``/``syscw``."""
    out = {}
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        name, value = line.split(":")
        out[name] = int(value)
    return out


@dataclass
class Usage:
    """What a server process spent between two readings."""

    cpu_s: float
    io: dict[str, int]

    def per_op(self, ops: int) -> dict[str, float]:
        """CPU µs and KB read/written (``rchar``/``wchar``) per operation."""
        return {"cpu_us": self.cpu_s / ops * 1e6, "read_kb": self.io["rchar"] / ops / 1000,
                "written_kb": self.io["wchar"] / ops / 1000}


class ServerProcess:
    """A ``chartkeep-server serve`` process: its URL and what it spent."""

    def __init__(self, url: str, pid: int) -> None:
        self.url = url
        self.pid = pid

    def reading(self) -> Usage:
        return Usage(process_cpu_s(self.pid), process_io(self.pid))

    @contextmanager
    def usage(self) -> Iterator[Usage]:
        """What the process spent while inside (filled in on leaving)."""
        before = self.reading()
        spent = Usage(0.0, {})
        yield spent
        after = self.reading()
        spent.cpu_s = after.cpu_s - before.cpu_s
        spent.io = {k: after.io[k] - before.io[k] for k in after.io}


def bench_facility(engine: Any, settings: Settings) -> str:
    """The bench's facility, as an administrator makes it: one unit, one bed, a
    records manager and a clerk; its id."""
    facility = admin.create_facility(engine, settings, name="Bench Manor", state="OH",
                                     mrn_prefix="BM")
    unit = admin.create_unit(engine, settings, facility_id=facility, name="North")
    admin.create_bed(engine, settings, unit_id=unit, label="101-A")
    for username, role in (("bench.rm", "records_manager"), ("bench.clerk", "clerk")):
        admin.create_user(engine, settings, facility_id=facility, username=username, role=role)
    return facility


@contextmanager
def server_on(url: str | None, tmp: Path, *, in_process: bool = False
              ) -> Iterator[tuple[Settings, Any, Any, str]]:
    """A real server on SQLite (url None) or in a fresh PostgreSQL schema, with
    the bench's facility and users: (settings, engine, server, facility). The
    server is a :class:`ServerProcess`, or with ``in_process`` a ``ServerThread``
    of this process; both have ``url``."""
    from scripts.load_servers import database, server_processes

    with database(url, tmp) as (settings, engine):
        facility = bench_facility(engine, settings)
        if in_process:
            with ServerThread(settings, init=False) as thread:
                yield settings, engine, thread, facility
        else:
            with server_processes(settings, 1, tmp) as [(address, process)]:
                yield settings, engine, ServerProcess(address, process.pid), facility


def enroll(settings: Settings, engine: Any, server: Any, facility: str,
           home: Path, username: str) -> Session:
    """A terminal enrolled with ``server`` (anything with a ``url``, or a URL)."""
    code = admin.issue_code(engine, settings, facility_id=facility)
    url = server if isinstance(server, str) else server.url
    return terminal.enroll(home, url, code, home.name, username, PASSWORD,
                           clock=ManualClock(START))


def queue_operations(session: Session, count: int, *, residents: int = 200,
                     seed: int = 7, admit: bool = False, first_mrn: int = 900_000,
                     family: str = "Family") -> int:
    """Fill the terminal's encrypted outbox with a clinical mix, as a busy
    terminal's offline backlog: new residents, then notes (70 %), demographic
    edits with correct base versions (20 %) and worked hours (10 %)."""
    rng = random.Random(seed)
    global _ids_made_until  # noqa: PLW0603 - one timeline for every terminal of the run
    now = max(session.clock.ms(), _ids_made_until)
    rows: list[dict[str, Any]] = []
    with session.store.write() as conn:
        seq = next_seq(conn)

        def new_id_now() -> str:
            # Each id a millisecond after the last, as a clerk's operations are made one
            # after another: ids in time order, as real terminals make them. (With one
            # frozen time all ids shared a millisecond and sorted at random, so every
            # index on them took inserts all over: a cost no terminal causes.)
            nonlocal now
            now += 1
            return new_id(now)

        def add(op_type: str, kind: str, record_id: str, payload: dict[str, Any],
                subject: str | None) -> None:
            nonlocal seq
            rows.append({"seq": seq, "op_id": new_id_now(), "op_type": op_type, "kind": kind,
                         "record_id": record_id, "subject_id": subject,
                         "user_id": session.user.id, "recorded_at": (now << 16) + seq,
                         "schema_version": 1, "payload": encode(payload), "created_at": now,
                         "status": "pending", "flags": "", "summary": f"{op_type} {kind}"})
            seq += 1

        resident_ids = []
        for i in range(min(residents, count)):
            rid = new_id_now()
            resident_ids.append(rid)
            add("create", "resident", rid, {"kind": "resident", "id": rid, "fields": {
                "mrn": f"BM{first_mrn + i}", "family_name": f"{family}{i:05d}",
                "given_name": "Pat", "birth_date": "1940-01-01", "sex": "female",
                "phone": "555-0100"}}, rid)
        if admit:  # in house, awaiting a bed: on the census's default list
            for rid in resident_ids:
                stay_id = new_id_now()
                add("command", "stay", stay_id, {"name": "admit", "args": {
                    "stay_id": stay_id, "resident_id": rid, "admitted_at": "2026-11-01"}},
                    rid)
        staff_id = new_id_now()
        add("create", "staff", staff_id, {"kind": "staff", "id": staff_id, "fields": {
            "employee_id": "E-1", "family_name": "Reyes", "given_name": "Maria",
            "job_title_code": 10, "pay_type_code": 2}}, staff_id)
        versions = dict.fromkeys(resident_ids, 1)
        while len(rows) < count:
            roll = rng.random()
            rid = rng.choice(resident_ids)
            if roll < 0.7:
                nid = new_id_now()
                add("create", "note", nid, {"kind": "note", "id": nid, "fields": {
                    "resident_id": rid, "category": "nursing",
                    "clinical_time": "2026-11-02T09:00",
                    "body": "Comfortable, ate well, walked to the day room."}}, rid)
            elif roll < 0.9:
                add("update", "resident", rid, {"kind": "resident", "id": rid, "changes": {
                    "phone": [f"555-{rng.randrange(10000):04d}", versions[rid]]}}, rid)
                versions[rid] += 1
            else:
                hid = new_id_now()
                add("create", "hours", hid, {"kind": "hours", "id": hid, "fields": {
                    "staff_id": staff_id, "work_date": "2026-11-01", "hours": "7.50",
                    "job_title_code": 10, "pay_type_code": 2}}, staff_id)
        for start in range(0, len(rows), 5000):
            conn.execute(OUTBOX.insert(), rows[start:start + 5000])
    _ids_made_until = now
    return len(rows)


_ids_made_until = 0
"""The time of the last id :func:`queue_operations` made, in this run: a terminal
queued later makes later ids, as on a server that has run for a while."""
