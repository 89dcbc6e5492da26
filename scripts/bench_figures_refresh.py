"""The dashboard figures refresh of one large facility (SQLite), before and after
they were kept incrementally: CPU seconds of the refresh the server runs within
a minute of a change, on a facility of OPERATIONS operations.

The facility is built as scripts/bench builds its "push on top" server: a real
server process, one terminal's backlog of OPERATIONS operations (new residents
admitted, then notes, demographic edits and worked hours) pushed over loopback.
Then, ROUNDS times, a minute's work is pushed and the refresh measured twice on
the same database, in alternating order:

- **from scratch**: what the refresh did before (the facility's facts read and
  computed, its whole audit chain verified: :func:`from_scratch`);
- **incremental**: :func:`server.portal.figures._compute_and_keep` as it is now.

Two kinds of minute: ``notes`` (BATCH notes: records the figures do not read)
and ``mixed`` (BATCH operations of the bench's mix: a new resident, a staff
member, notes, edits and worked hours). Both refreshes must give the same
figures; the bench stops if they differ. CPU is this process's
(``time.process_time``): the server process is held off the facility's figures
by its claim while the bench measures (it would otherwise refresh them itself).

    .venv/bin/python scripts/bench_figures_refresh.py [OPERATIONS] [ROUNDS] [--keep DIR]

``--keep DIR`` builds the facility in DIR once and reuses it in later runs
(each run adds its rounds' operations).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from client.store.database import OUTBOX
from client.store.outbox import next_seq
from protocol.codec import encode
from protocol.collector import collector_paused
from protocol.ids import new_id
from scripts.bench_server import figures_held
from scripts.bench_sync import push_everything
from scripts.bench_world import bench_facility, enroll, queue_operations
from scripts.load_servers import server_processes
from server.portal import figures
from server.portal.figures import _compute_and_keep as compute_and_keep
from server.reports.compliance import facility_now, load_facts
from server.settings import Settings
from server.storage.audit_verify import verify_chain
from server.storage.db import make_engine, read_tx
from server.storage.keys import key_chain
from server.storage.models import T
from server.storage.setup import initialise

BATCH = 300
"""Operations in a minute's work (a busy facility's terminals, together)."""


def from_scratch(engine: Any, settings: Settings, facility: str) -> dict[str, Any]:
    """The figures as the refresh computed them before: every record the reports
    read, and the whole audit chain verified (nothing written)."""
    with collector_paused():
        with read_tx(engine) as conn:
            today = facility_now(conn, facility, settings.clock()).date()
            facts = load_facts(conn, facility)
            problem = verify_chain(conn, facility, [link.key for link in key_chain(conn)])
            entries = conn.execute(sa.select(T.heads.c.audit_seq).where(
                T.heads.c.facility_id == facility)).scalar() or 0
        values, _chart = figures.compute(facts, today)
    values["audit_ok"] = problem is None
    values["audit_text"] = f"{entries} entries verified" if problem is None else str(problem)
    return values


def kept_figures(engine: Any, facility: str) -> dict[str, Any]:
    with read_tx(engine) as conn:
        text = conn.execute(sa.text("SELECT figures FROM facility_figures "
                                    "WHERE facility_id = :f"), {"f": facility}).scalar_one()
    return dict(json.loads(text))


def cpu(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    result = work()
    return time.process_time() - started, result


def queue_notes(session: Any, count: int, resident: str) -> None:
    """``count`` nursing notes about one resident in the terminal's outbox."""
    now = int(time.time() * 1000)
    with session.store.write() as conn:
        seq = next_seq(conn)
        rows = []
        for n in range(count):
            nid = new_id(now + n)
            payload = {"kind": "note", "id": nid, "fields": {
                "resident_id": resident, "category": "nursing",
                "clinical_time": "2026-11-02T09:00", "body": "Slept well, no complaints."}}
            rows.append({"seq": seq + n, "op_id": new_id(now + n), "op_type": "create",
                         "kind": "note", "record_id": nid, "subject_id": resident,
                         "user_id": session.user.id, "recorded_at": ((now + n) << 16) + seq + n,
                         "schema_version": 1, "payload": encode(payload), "created_at": now,
                         "status": "pending", "flags": "", "summary": "create note"})
        conn.execute(OUTBOX.insert(), rows)


def build(settings: Settings, engine: Any, url: str, home: Path, operations: int) -> str:
    facility = bench_facility(engine, settings)
    seeder = enroll(settings, engine, url, facility, home / "seeder", "bench.rm")
    queue_operations(seeder, operations, seed=12, first_mrn=200_000, family="Seed",
                     admit=True)
    push_everything(seeder, url)
    seeder.lock()
    return facility


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("operations", nargs="?", type=int, default=100_000)
    parser.add_argument("rounds", nargs="?", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the facility here once, reuse it")
    args = parser.parse_args()
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", "a benchmark passphrase only")
    with tempfile.TemporaryDirectory() as scratch:
        home = args.keep or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=home / "server")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.database_url)
        initialise(engine, settings)
        marker = home / "facility"
        with server_processes(settings, 1, home) as [(url, _process)]:
            if marker.exists():
                facility = marker.read_text()
            else:
                facility = build(settings, engine, url, home, args.operations)
                marker.write_text(facility)
            measure(settings, engine, url, home, facility, args.rounds)
        engine.dispose()


def measure(settings: Settings, engine: Any, url: str, home: Path, facility: str,
            rounds: int) -> None:
    with read_tx(engine) as conn:
        size = conn.execute(sa.select(T.heads.c.audit_seq).where(
            T.heads.c.facility_id == facility)).scalar_one()
        resident = conn.execute(sa.select(T.records.c.id).where(
            T.records.c.facility_id == facility, T.records.c.kind == "resident")
            .limit(1)).scalar_one()
    print(f"one facility, {size:,} audit entries, SQLite; CPU s of one refresh "
          f"(process time, this process)")
    # Enrolled first: an enrollment changes the facility's record (its terminals).
    sessions = {kind: enroll(settings, engine, url, facility, home / f"t{time.time_ns()}",
                             "bench.rm") for kind in ("notes", "mixed")}
    with figures_held(engine, facility):
        with read_tx(engine) as conn:
            kept = conn.execute(sa.text("SELECT size FROM audit_verified WHERE chain = :f"),
                                {"f": facility}).scalar()
        spent, _ = cpu(lambda: compute_and_keep(engine, settings, facility))
        print(f"  first refresh of this run: {spent:.2f} s ("
              + ("the whole chain verified)" if kept is None else
                 f"from the {kept:,} entries an earlier run verified)"))
        seen: dict[str, list[tuple[float, float]]] = {"notes": [], "mixed": []}
        for n in range(rounds):
            for kind in ("notes", "mixed"):
                session = sessions[kind]
                if kind == "notes":
                    queue_notes(session, BATCH, resident)
                else:
                    queue_operations(session, BATCH, residents=1, seed=100 + n,
                                     first_mrn=5_000_000 + time.time_ns() % 10**9,
                                     family=f"Round{time.time_ns()}x")
                push_everything(session, url)
                pair = one_pair(engine, settings, facility, old_first=n % 2 == 0)
                seen[kind].append(pair)
                print(f"  round {n + 1}, {BATCH} operations ({kind}): from scratch "
                      f"{pair[0]:.3f} s, incremental {pair[1]:.3f} s")
        for kind, pairs in seen.items():
            old = statistics.median(p[0] for p in pairs)
            new = statistics.median(p[1] for p in pairs)
            print(f"  median after {BATCH} operations ({kind}): from scratch {old:.3f} s, "
                  f"incremental {new:.3f} s ({old / new:.0f}x less CPU)")
    for session in sessions.values():
        session.lock()


def one_pair(engine: Any, settings: Settings, facility: str, *, old_first: bool
             ) -> tuple[float, float]:
    """CPU seconds from scratch and incremental, in the order asked; the figures
    must be the same."""
    def old() -> tuple[float, Any]:
        return cpu(lambda: from_scratch(engine, settings, facility))

    def new() -> tuple[float, Any]:
        spent, _ = cpu(lambda: compute_and_keep(engine, settings, facility))
        return spent, kept_figures(engine, facility)

    if old_first:
        (a, expected), (b, got) = old(), new()
    else:
        (b, got), (a, expected) = new(), old()
    if got != expected:
        raise SystemExit(f"the incremental figures differ:\n{got}\n{expected}")
    return a, b


if __name__ == "__main__":
    main()
