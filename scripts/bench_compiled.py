"""What compiling the server's hot pure-Python modules with mypyc saves: server
CPU per pushed operation, compiled copy against this tree, in interleaved pairs.

    scripts/bench_compiled.py                  # build the copy, then 4 pairs
    scripts/bench_compiled.py --pairs 6        # more pairs
    scripts/bench_compiled.py --reuse          # measure a copy built earlier
    scripts/bench_compiled.py --build-only     # build the copy, measure nothing

A measurement, not a build step: the tree's tracked files (as they are on disk)
are copied to ``--copy`` (default /tmp/mypyc-tree), ``bench_compiled.patch``
(typing only, see :data:`PATCH`) is applied there, and the modules in
:data:`MODULES` are compiled there with ``.venv/bin/mypyc``, so no ``.so`` file
ever sits next to a source in the git tree (an extension module is imported in
preference to the ``.py`` beside it, so a stale one would hide an edit).
Each pair runs ``scripts/bench_profile.py --top 0`` (20,000 operations on an
empty SQLite server, in-process) once from this tree and once from the copy,
the order alternating, and reads its "server CPU … µs/op without the profiler"
(thread time of ``SyncService.push``) and SQLite VM instructions per operation.
The machine is shared, so the load average is printed with each run and the
medians are the figure to quote. Needs gcc and the Python headers; mypyc ships
with mypy (in .venv).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The push path's pure-Python modules that mypyc accepts unchanged.
MODULES = [
    "server/core/dispatch.py",
    "server/core/results.py",
    "server/commands/records.py",
    "server/commands/fingerprints.py",
    "server/storage/audit.py",
    "server/storage/audit_bytes.py",
    "server/storage/audit_tree.py",
    "server/storage/batch.py",
    "server/storage/rows.py",
    "protocol/records/fields.py",
    "protocol/ops.py",
    "protocol/schema.py",
]

# Typing only, in the copy: SQLAlchemy types a result row as a tuple, which it is
# not at run time, and compiled code checks the declared type of what it holds
# ("TypeError: tuple object expected; got sqlalchemy.engine.row.Row"); the rows
# a compiled module reads are declared Any there.
PATCH = ROOT / "scripts" / "bench_compiled.patch"
MARKER = ".bench-compiled-copy"

FIGURES = re.compile(r"server CPU (?P<cpu>[\d,.]+) µs/op without the profiler"
                     r"(?:, SQLite VM instructions (?P<vm>[\d,]+)/op)?")


def copy_tree(copy: Path) -> None:
    """The tracked files as they are on disk, nothing else (no .venv, no caches).
    A directory already there is replaced only if this script made it."""
    if copy.exists():
        if not (copy / MARKER).exists():
            sys.exit(f"bench_compiled: {copy} exists and is not a copy made by this script")
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (copy / MARKER).touch()


def build(copy: Path, modules: list[str]) -> float:
    mypyc = ROOT / ".venv" / "bin" / "mypyc"
    if shutil.which("gcc") is None or not mypyc.exists():
        sys.exit("bench_compiled: needs gcc and .venv/bin/mypyc "
                 "(scripts/test --co -q builds .venv)")
    patched = subprocess.run(["git", "apply", str(PATCH)], cwd=copy, capture_output=True,
                             text=True, check=False)
    if patched.returncode:
        sys.exit(f"bench_compiled: {PATCH.name} no longer applies (the code it types "
                 f"changed; redo it by hand):\n{patched.stderr}")
    started = time.monotonic()
    done = subprocess.run([str(mypyc), *modules], cwd=copy, capture_output=True, text=True,
                          check=False)
    spent = time.monotonic() - started
    if done.returncode:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n")
        sys.exit(f"bench_compiled: mypyc failed (exit {done.returncode})")
    for line in done.stdout.splitlines():
        if ": warning:" in line or ": error:" in line:
            print("  mypyc:", line)
    return spent


def measure(tree: Path) -> tuple[float, float, str]:
    one, five, fifteen = os.getloadavg()
    load = f"load average {one:.1f} {five:.1f} {fifteen:.1f}"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"),
                           str(tree / "scripts" / "bench_profile.py"), "--top", "0"],
                          cwd=tree, env=env, capture_output=True, text=True, check=False)
    found = FIGURES.search(done.stdout)
    if done.returncode or not found:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        sys.exit(f"bench_compiled: bench_profile.py failed in {tree}")
    vm = float(found["vm"].replace(",", "")) if found["vm"] else 0.0
    return float(found["cpu"].replace(",", "")), vm, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench_compiled.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copy", type=Path, default=Path(tempfile.gettempdir()) / "mypyc-tree",
                        help="where the compiled copy is built (outside the git tree)")
    parser.add_argument("--pairs", type=int, default=4, help="interleaved pairs of runs")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the copy already built there (no copy, no build; "
                             "it is not checked against this tree's sources)")
    parser.add_argument("--build-only", action="store_true", help="build, do not measure")
    args = parser.parse_args(argv)
    copy = args.copy.resolve()
    if copy == ROOT or ROOT in copy.parents:
        sys.exit("bench_compiled: --copy must be outside this tree")

    if not args.reuse:
        copy_tree(copy)
        spent = build(copy, MODULES)
        print(f"compiled {len(MODULES)} modules in {copy} in {spent:.0f} s (wall)")
    if args.build_only:
        return 0
    compiled_modules = sorted(str(p.relative_to(copy)) for p in copy.rglob("*.so")
                              if p.relative_to(copy).parts[0] != "build")
    print("extension modules in the copy:", ", ".join(compiled_modules) or "none")

    results: dict[str, list[tuple[float, float]]] = {"pure": [], "compiled": []}
    for pair in range(args.pairs):
        order = [("pure", ROOT), ("compiled", copy)]
        if pair % 2:
            order.reverse()
        for name, tree in order:
            cpu, vm, load = measure(tree)
            results[name].append((cpu, vm))
            print(f"pair {pair + 1} {name:8} server CPU {cpu:5.0f} µs/op  "
                  f"VM {vm:5.0f}/op  ({load})", flush=True)
    pure = statistics.median(cpu for cpu, _ in results["pure"])
    compiled = statistics.median(cpu for cpu, _ in results["compiled"])
    print(f"median server CPU per operation: pure {pure:.0f} µs, compiled {compiled:.0f} µs "
          f"({(compiled - pure) / pure:+.1%})")
    print("VM instructions per operation: pure",
          sorted({vm for _, vm in results["pure"]}), "compiled",
          sorted({vm for _, vm in results["compiled"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
