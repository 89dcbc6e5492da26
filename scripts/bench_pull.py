"""Pull + apply alone, with where its time goes: a fresh terminal pulls a facility's
whole change log from a real server (in this process, over loopback HTTP), and the
CPU of each stage is read per record.

    scripts/bench_pull.py --ops 100000 --world /tmp/pull-world   # build once, then reuse
    scripts/bench_pull.py --world /tmp/pull-world --runs 3
    scripts/bench_pull.py --world /tmp/pull-world --profile terminal   # cProfile, top lines

``scripts/bench`` pushes its operations again on every run (minutes for 100,000 on a busy
machine); this keeps the pushed server (``--world``) and measures only the pull, so a
change on the pull path can be judged run after run. The stages, each as CPU of the
thread that does it (``time.thread_time``), so a busy machine changes the wall time but
hardly these:

- ``server``: the pull handler (reading the page) and sealing the answer;
- ``exchange``: the terminal's request, the wait for the answer (not CPU), and opening,
  verifying and decoding the answer (the terminal's thread only);
- ``from_wire``: the answer's schema check into snapshots;
- ``apply``: writing the page into the encrypted store and committing it.

It also reads the size of the terminal store's WAL file while the pull runs (its
peak), when the pull returns, and once the background checkpoint is done.
``--postgres-url`` builds (and reuses) the world on a PostgreSQL server instead of
SQLite, so the terminal's cost of pulling from either can be compared world by world.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from client.store import database as database_module
from client.sync import pull as pull_module
from client.sync.counts import Counts
from client.sync.engine import SyncEngine
from client.sync.transport import HttpTransport
from scripts.bench_sync import push_everything
from scripts.bench_world import (
    ServerProcess,
    bench_facility,
    enroll,
    process_cpu_s,
    queue_operations,
)
from scripts.load_servers import server_processes
from server.core.service import SyncService
from server.http.runner import ServerThread, tune_gc
from server.settings import Settings
from server.storage.db import make_engine

# The bench world's server key is sealed with this (a throwaway server on loopback).
PASSPHRASE = "a pull benchmark's throwaway server key"


class Stages:
    """CPU seconds per stage, summed over the threads that run it."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.profiles: dict[str, cProfile.Profile] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        profile = self.profiles.get(name.split(".", 1)[0])
        start = time.thread_time()
        if profile is not None:
            profile.enable()
        try:
            yield
        finally:
            if profile is not None:
                profile.disable()
            self.cpu[name] += time.thread_time() - start

    def wrap(self, owner: Any, attribute: str, name: str) -> Callable[[], None]:
        original = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)
        return lambda: setattr(owner, attribute, original)


def build_world(world: Path, ops: int, database_url: str = "") -> dict[str, Any]:
    """A server (SQLite, or the PostgreSQL database at ``database_url``, which must be
    empty) with ``ops`` operations pushed by one terminal (kept in ``world``)."""
    settings = Settings(data_dir=world / "server", database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with ServerThread(settings) as server:
        engine = make_engine(settings.database_url)
        facility = bench_facility(engine, settings)
        writer = enroll(settings, engine, server, facility, world / "writer", "bench.rm")
        queue_operations(writer, ops)
        rate = push_everything(writer, server.url)
        writer.lock()
        engine.dispose()
    facts = {"ops": ops, "facility": facility, "push_ops_per_s": rate,
             "database_url": database_url}
    (world / "world.json").write_text(json.dumps(facts))
    return facts


class SlowLink(HttpTransport):
    """Loopback HTTP that takes as long as a link of ``mbit`` Mbit/s with a
    ``rtt_ms`` round trip would (a terminal on a facility's network): each
    exchange sleeps for the round trip and the bytes both ways."""

    def __init__(self, url: str, mbit: float, rtt_ms: float) -> None:
        super().__init__(url)
        self.bytes_per_s = mbit * 1e6 / 8
        self.rtt_s = rtt_ms / 1000

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        status, data = super().post(path, body, timeout)
        time.sleep(self.rtt_s + (len(body) + len(data)) / self.bytes_per_s)
        return status, data


class WalWatch:
    """The size of a store's WAL file, read every few milliseconds on a thread of its
    own: the largest seen (``peak``) and the last (``now``)."""

    def __init__(self, store: Path, every_s: float = 0.005) -> None:
        self.wal = Path(f"{store}-wal")
        self.every_s = every_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-watch", daemon=True)

    def size(self) -> int:
        try:
            return self.wal.stat().st_size
        except FileNotFoundError:
            return 0

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak = max(self.peak, self.size())

    def __enter__(self) -> WalWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.size())


@contextmanager
def serving(settings: Settings, home: Path, *, own_process: bool) -> Iterator[Any]:
    """The world's server: a thread of this process, or (``own_process``) a
    process of its own, as in production and in ``scripts/bench``."""
    if not own_process:
        with ServerThread(settings) as thread:
            yield thread
        return
    home.mkdir(parents=True, exist_ok=True)
    with server_processes(settings, 1, home) as [(url, process)]:
        yield ServerProcess(url, process.pid)


def pull_once(world: Path, facts: dict[str, Any], home: Path, stages: Stages,
              page_size: int | None, link: tuple[float, float] | None = None, *,
              own_process: bool = False) -> dict[str, float]:
    settings = Settings(data_dir=world / "server", database_url=facts.get("database_url", ""))
    with serving(settings, home, own_process=own_process) as server:
        engine = make_engine(settings.database_url)
        reader = enroll(settings, engine, server, facts["facility"], home, "bench.clerk")
        engine.dispose()
        transport = HttpTransport(server.url) if link is None else SlowLink(server.url, *link)
        sync = SyncEngine(reader.store, transport, clock=reader.clock,
                          terminal_id=reader.terminal_id, facility_id=reader.facility_id,
                          sleep=time.sleep, **({"page_size": page_size} if page_size else {}))
        counts = Counts()
        stages.cpu.clear()
        server_cpu0 = process_cpu_s(server.pid) if own_process else 0.0
        wall0, cpu0, thread0 = time.perf_counter(), time.process_time(), time.thread_time()
        with WalWatch(reader.store.path) as wal:
            with stages.stage("terminal"):
                sync.pull.run(counts, lambda _p: None)
            wall = time.perf_counter() - wall0
            process_cpu = time.process_time() - cpu0
            thread_cpu = time.thread_time() - thread0
            wal_end = wal.size()
            reader.store._checkpointer.wait_idle()  # noqa: SLF001 - the bench reads it
            wal_settled = wal.size()
        if own_process:
            stages.cpu["server process"] = process_cpu_s(server.pid) - server_cpu0
        reader.lock()
    return {"records": counts.pulled, "wall": wall, "process_cpu": process_cpu,
            "terminal_cpu": thread_cpu, "wal_peak": wal.peak, "wal_end": wal_end,
            "wal_settled": wal_settled, **stages.cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench_pull.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=100_000,
                        help="operations pushed when the world is built (default 100000)")
    parser.add_argument("--world", type=Path, help="keep (and reuse) the pushed server here")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--page-size", type=int, help="the terminal's pull page (changes)")
    parser.add_argument("--profile", choices=("terminal", "server"),
                        help="cProfile that side's stages; print the top functions")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--link-mbit", type=float,
                        help="as if over a link of this many Mbit/s (loopback by default)")
    parser.add_argument("--rtt-ms", type=float, default=2.0,
                        help="the link's round trip, with --link-mbit (default 2 ms)")
    parser.add_argument("--server-process", action="store_true",
                        help="run the server in a process of its own (as scripts/bench "
                             "does): the process CPU is then the terminal's alone")
    parser.add_argument("--postgres-url",
                        help="build the world on this (empty) PostgreSQL database instead "
                             "of SQLite; a world already built keeps its own")
    parser.add_argument("--default-gc", action="store_true",
                        help="keep Python's default collector, as a terminal process has "
                             "(by default the collector is tuned as the server's is)")
    args = parser.parse_args(argv)
    os.environ["CHARTKEEP_SERVER_KEY_PASSPHRASE"] = PASSPHRASE
    world = args.world or Path(tempfile.mkdtemp(prefix="chartkeep-pull-"))
    world.mkdir(parents=True, exist_ok=True)
    if not args.default_gc:
        tune_gc()
    facts_file = world / "world.json"
    if facts_file.is_file():
        facts = json.loads(facts_file.read_text())
    else:
        print(f"building the world: {args.ops:,} operations pushed …", flush=True)
        facts = build_world(world, args.ops, args.postgres_url or "")
        print(f"  pushed at {facts['push_ops_per_s']:,.0f} ops/s", flush=True)
    stages = Stages()
    if args.profile:
        stages.profiles[args.profile] = cProfile.Profile(time.thread_time)
    undo = [
        stages.wrap(SyncService, "pull", "server.read"),
        stages.wrap(SyncService, "seal_encoded", "server.seal"),
        stages.wrap(pull_module.Pull, "_apply_page", "terminal.apply"),
        stages.wrap(pull_module.PullResponse, "from_wire", "terminal.from_wire"),
        stages.wrap(pull_module.Channel, "_open_reply", "terminal.open_reply"),
        stages.wrap(pull_module, "put_rows", "apply.put_rows"),
        stages.wrap(database_module.integrity, "seal", "apply.seal"),
    ]
    try:
        for run in range(args.runs):
            home = world / f"reader-{time.time_ns()}"
            link = None if args.link_mbit is None else (args.link_mbit, args.rtt_ms)
            figures = pull_once(world, facts, home, stages, args.page_size, link,
                                own_process=args.server_process)
            n = figures["records"]
            print(f"run {run + 1}: {n:,} records, {n / figures['wall']:,.0f} records/s wall, "
                  f"{n / figures['process_cpu']:,.0f} records per CPU-second "
                  f"(process {figures['process_cpu']:.2f} s, wall {figures['wall']:.2f} s)")
            for name in ("terminal", "terminal.open_reply", "terminal.from_wire",
                         "terminal.apply", "apply.put_rows", "apply.seal",
                         "server.read", "server.seal"):
                print(f"    {name:22} {figures.get(name, 0.0) / n * 1e6:7.1f} µs/record CPU")
            other = (figures["process_cpu"] - figures.get("terminal", 0.0)
                     - figures.get("server.read", 0.0) - figures.get("server.seal", 0.0))
            if args.server_process:
                print(f"    {'other threads':22} {other / n * 1e6:7.1f} µs/record CPU "
                      "(asking ahead, checkpoint thread)")
                print(f"    {'terminal process':22} {figures['process_cpu'] / n * 1e6:7.1f} "
                      "µs/record CPU (all its threads)")
                print(f"    {'server process':22} "
                      f"{figures['server process'] / n * 1e6:7.1f} µs/record CPU")
            else:
                print(f"    {'other threads':22} {other / n * 1e6:7.1f} µs/record CPU "
                      "(HTTP server loop, checkpoint thread)")
            size = sum(f.stat().st_size for f in home.glob("store.db*"))
            print(f"    the terminal's store: {size / 2**20:.1f} MiB; its WAL: peak "
                  f"{figures['wal_peak'] / 2**20:.1f} MiB, {figures['wal_end'] / 2**20:.1f} "
                  f"MiB when the pull returned, {figures['wal_settled'] / 2**20:.1f} MiB "
                  "once the background checkpoint was done")
            shutil.rmtree(home, ignore_errors=True)
    finally:
        for step in undo:
            step()
    if args.profile:
        stats = pstats.Stats(stages.profiles[args.profile])
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
