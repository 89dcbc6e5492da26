"""Two server processes refreshing the same facilities' dashboard figures at once,
on one SQLite database: how many facility computations each round makes and the
CPU seconds both processes spend, with the per-facility claim
(``figures.refresh_stale``) and without it (every stale facility computed, as
before the claim). A single process's round is the floor.

    .venv/bin/python scripts/bench_figures_claim.py [FACILITIES] [RESIDENTS]
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench_portal import _facility

from server import admin
from server.core.service import SyncService
from server.portal import figures
from server.settings import Settings
from server.storage.db import make_engine


def _round(data_dir: str, mode: str, start: Any, out: Any) -> None:
    settings = Settings(data_dir=Path(data_dir))
    engine = make_engine(settings.database_url)
    start.wait()
    before = resource.getrusage(resource.RUSAGE_SELF)
    if mode == "claimed":
        done = figures.refresh_stale(engine, settings)
    else:  # as before the claim: every facility found stale is computed
        from server.portal.figures import _compute_and_keep, _stale_ids
        from server.storage.db import read_tx
        from server.storage.models import T
        with read_tx(engine) as conn:
            ids = list(conn.execute(T.facilities.select().with_only_columns(
                T.facilities.c.id)).scalars())
            stale = _stale_ids(conn, ids, settings.clock())
        for fid in stale:
            _compute_and_keep(engine, settings, fid)
        done = len(stale)
    after = resource.getrusage(resource.RUSAGE_SELF)
    out.put((done, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime))
    engine.dispose()


def _stale_again(data_dir: str) -> None:
    settings = Settings(data_dir=Path(data_dir))
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM facility_figures")
    engine.dispose()


def measure(data_dir: str, processes: int, mode: str) -> tuple[int, float]:
    _stale_again(data_dir)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(processes), ctx.Queue()
    workers = [ctx.Process(target=_round, args=(data_dir, mode, start, out))
               for _ in range(processes)]
    for w in workers:
        w.start()
    results = []
    while len(results) < len(workers):
        try:
            results.append(out.get(timeout=1))
        except queue.Empty:
            if any(w.exitcode not in (None, 0) for w in workers):
                for w in workers:
                    w.kill()
                sys.exit("a figures process failed (its traceback is above)")
    for w in workers:
        w.join()
    return sum(r[0] for r in results), sum(r[1] for r in results)


def main() -> None:
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", "a benchmark passphrase only")
    facilities = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    residents = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        engine = make_engine(settings.database_url)
        admin.init(engine, settings)
        service = SyncService(engine, settings)
        for n in range(facilities):
            _facility(engine, settings, service, n, residents)
        engine.dispose()
        print(f"{facilities} facilities, {residents} residents each, SQLite")
        for _ in range(2):
            for label, processes, mode in (("one process (floor)", 1, "claimed"),
                                           ("two processes, no claim", 2, "unclaimed"),
                                           ("two processes, claimed", 2, "claimed")):
                done, cpu = measure(tmp, processes, mode)
                print(f"  {label:26s} computations {done:3d}   CPU {cpu:6.2f} s")


if __name__ == "__main__":
    main()
