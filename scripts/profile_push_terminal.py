"""The terminal's share of a push: CPU per operation of the terminal process
alone, with the server in a process of its own.

    scripts/profile_push_terminal.py                  # 10,000 operations, 3 runs
    scripts/profile_push_terminal.py --ops 20000 --runs 5
    scripts/profile_push_terminal.py --code-root DIR  # the terminal from another checkout

``scripts/bench`` runs terminal and server in one process, so its CPU figures
mix both sides. Here every run starts a fresh server (``scripts/bench``'s, on
SQLite) in a child process, enrolls a terminal in this one, fills its outbox
with the bench's clinical mix and pushes it whole. Printed per run, in µs per
operation: this process's CPU (``getrusage``: every terminal thread, the store's
checkpointer included, and nothing of the server's), and the thread CPU of the
push's three parts. ``--code-root`` imports the terminal's code from another
checkout (an unpacked ``git archive`` of main), so before and after can be run
alternately with one virtualenv; the server always runs this checkout's code.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent

PARTS = [
    # (label, owner, attribute): thread CPU summed over every call
    ("reading batches (Push._batch)", "Push", "_batch"),
    ("encoding, sealing batches (Push._sealed)", "Push", "_sealed"),
    ("sending, HTTP, answers (Push._send)", "Push", "_send"),
    ("recording results (Push._record_results)", "Push", "_record_results"),
]


def serve(tmp: Path) -> None:
    """The child: a fresh bench server; prints its URL, facility and one
    enrollment code, then serves until stdin closes."""
    from scripts import bench
    from server import admin

    with bench.server_on(None, tmp) as (settings, engine, server, facility):
        code = admin.issue_code(engine, settings, facility_id=facility)
        print(json.dumps({"url": server.url, "code": code}), flush=True)
        sys.stdin.read()


def _timed_parts() -> tuple[dict[str, float], Any]:
    from client.sync import push

    spent = dict.fromkeys([label for label, *_ in PARTS], 0.0)
    undo = []
    for label, owner_name, name in PARTS:
        owner = getattr(push, owner_name)
        original = owner.__dict__[name]

        def wrapped(*args: Any, _call: Any = original, _label: str = label,
                    **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return _call(*args, **kwargs)
            finally:
                spent[_label] += time.thread_time() - started

        setattr(owner, name, wrapped)
        undo.append((owner, name, original))

    def restore() -> None:
        for owner, name, original in undo:
            setattr(owner, name, original)

    return spent, restore


def one_run(ops: int, tmp: Path, run: int) -> dict[str, float]:
    from client import terminal
    from client.clock import ManualClock
    from scripts import bench

    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(tmp / "server")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(HERE)})
    try:
        assert child.stdout is not None
        assert child.stdin is not None
        world = json.loads(child.stdout.readline())
        session = terminal.enroll(tmp / f"t{run}", world["url"], world["code"], f"t{run}",
                                  "bench.rm", bench.PASSWORD, clock=ManualClock(bench.START))
        bench.queue_operations(session, ops, family=f"Run{run}x")
        spent, restore = _timed_parts()
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        try:
            rate = bench.push_everything(session, world["url"])
        finally:
            restore()
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
        session.lock()
        child.stdin.close()
        child.wait(60)
    finally:
        if child.poll() is None:
            child.kill()
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    figures = {"terminal process CPU": cpu / ops * 1e6, "wall": wall / ops * 1e6,
               "ops/s": rate}
    figures.update({label: seconds / ops * 1e6 for label, seconds in spent.items()})
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/profile_push_terminal.py",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=10_000, help="operations per push")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code-root", type=Path, default=HERE,
                        help="the checkout whose terminal code is measured")
    parser.add_argument("--label", default="", help="a name printed on each line")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    sys.path.insert(0, str(args.code_root.resolve() if args.serve is None else HERE))
    if args.serve is not None:
        serve(args.serve)
        return 0
    from server.http.runner import tune_gc

    tune_gc()
    label = args.label or str(args.code_root)
    for run in range(args.runs):
        tmp = Path(tempfile.mkdtemp(prefix="chartkeep-pushterm-"))
        try:
            figures = one_run(args.ops, tmp, run)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        load = os.getloadavg()[0]
        parts = "  ".join(f"{name.split(' (')[0]} {figures[name]:5.1f}"
                          for name, *_ in PARTS)
        print(f"{label}: {args.ops:,} ops, load {load:4.1f}: terminal CPU "
              f"{figures['terminal process CPU']:5.1f} µs/op ({parts}); wall "
              f"{figures['wall']:5.0f} µs/op", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
