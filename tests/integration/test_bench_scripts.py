"""The benchmark scripts at tiny counts: each runs to the end and prints the lines
docs/performance.md reads (no timing is judged here; speed lives in the scripts'
own reports). scripts/bench_pull.py once broke without anyone noticing: these
catch that."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"[\d,.]+"


def _run(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> str:
    run = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        check=False, env={**os.environ, "CHARTKEEP_SERVER_KEY_PASSPHRASE": "bench smoke",
                          **(env or {})})
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def _python(code: str, timeout: int = 300) -> str:
    return _run("-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{code}",
                timeout=timeout)


@pytest.mark.slow
def test_bench_sync_figures_in_both_shapes_and_the_server_figures(tmp_path):
    out = _run("scripts/bench.py", "--ops", "300", "--no-postgres", "--no-app",
               "--no-portal", "--no-compliance", "--in-process", "--on-top-rounds", "2",
               timeout=600)
    own, in_process = out.split("[server in this process (diagnostic)]")
    assert "[server in its own process]" in own
    for part in (own, in_process):
        assert re.search(rf"floor \(.*\): {NUMBER} ops/s \(CPU µs/op: this process \d+", part)
        assert re.search(r"floor/push by CPU, both sides: \d+/\d+ = \d+%", part)
        assert re.search(rf"SQLite +push +{NUMBER} ops/s +\(\d+% of floor\) +pull\+apply "
                         rf"+{NUMBER} records/s \(30[0-9]\)", part)
    assert re.search(r"this process \d+, its server \d+\)", own)
    assert re.search(r"push: terminal process \d+, server process \d+; pull \+ apply: "
                     r"terminal process \d+, server \d+", own)
    assert re.search(r"push: this process \(terminal \+ server\) \d+, push handling thread "
                     r"\d+", in_process)
    assert len(re.findall(r"pair \d: empty .* on top of [\d,]+: ", out)) == 2
    assert re.search(r"push on top, median of 2 pairs: [-+]\d+% wall, [-+]\d+% server CPU",
                     out)
    assert len(re.findall(r"dashboard figures refresh [\d.]+ → [\d.]+ s CPU", out)) == 2
    assert re.search(r"server process \(SQLite\) after 300 pushed operations .*: \d+ MiB", out)
    names = [line.split()[0] for line in out.splitlines()
             if re.fullmatch(r"\S+ \S+ [<>]=\S+ (ok|short)", line)]
    assert names == ["push_sqlite_ops_per_s", "push_sqlite_vs_floor", "pull_apply_ops_per_s",
                     "push_on_1500_ops_slower_than_empty", "push_on_1500_ops_server_cpu_slower",
                     "server_rss_mib_after_300_ops", "unlock_s"]


@pytest.mark.slow
def test_bench_floor_runs_in_its_own_process_and_in_this_one():
    own = _run("scripts/bench_floor.py", env={"N": "600"})
    assert re.fullmatch(rf"floor: {NUMBER} ops/s over 600 ops, CPU \d+ µs/op, "
                        rf"server CPU \d+ µs/op\n", own)
    here = _run("scripts/bench_floor.py", "--in-process", env={"N": "600"})
    assert re.fullmatch(rf"floor: {NUMBER} ops/s over 600 ops, CPU \d+ µs/op\n", here)


@pytest.mark.slow
def test_bench_pull_builds_a_world_then_pulls_it_again(tmp_path):
    world = tmp_path / "world"
    first = _run("scripts/bench_pull.py", "--ops", "300", "--world", str(world))
    assert "building the world: 300 operations pushed" in first
    again = _run("scripts/bench_pull.py", "--world", str(world), "--runs", "2",
                 "--page-size", "100")
    assert "building the world" not in again
    runs = re.findall(rf"run (\d): ([\d,]+) records, {NUMBER} records/s wall", again)
    # every pushed operation's change, and the facility's own records besides
    assert [n for n, _ in runs] == ["1", "2"]
    assert all(int(records.replace(",", "")) >= 301 for _, records in runs)
    for stage in ("terminal.apply", "apply.put_rows", "server.read", "server.seal"):
        assert re.search(rf"{re.escape(stage)} +{NUMBER} µs/record CPU", again)
    apart = _run("scripts/bench_pull.py", "--world", str(world), "--server-process",
                 "--page-size", "100")
    assert re.search(r"run 1: [\d,]+ records", apart)
    for stage in ("terminal process", "server process", "terminal.apply"):
        assert re.search(rf"{re.escape(stage)} +{NUMBER} µs/record CPU", apart)


@pytest.mark.slow
def test_bench_profile_on_top_and_by_side():
    out = _run("scripts/bench_profile.py", "--ops", "300", "--on-top", "300", "--top", "0")
    assert re.search(r"server holding 0 \(empty\): .* server CPU \d+ µs/op", out)
    assert re.search(r"server holding 900 \(on top\): ", out)
    assert "push, whole (SyncService.push)" in out
    sides = _run("scripts/bench_profile.py", "--ops", "300", "--sides")
    assert "server: push handling (SyncService.push)" in sides
    assert "terminal: recording results (Push._record_results)" in sides


@pytest.mark.slow
@pytest.mark.postgres
def test_bench_profile_on_postgresql_counts_round_trips_and_waits():
    url = os.environ.get("CHARTKEEP_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CHARTKEEP_TEST_POSTGRES_URL not set")
    out = _run("scripts/bench_profile.py", "--ops", "300", "--top", "0", "--postgres-url", url)
    assert re.search(r"PostgreSQL, 300 operations pushed, .* server CPU \d+ µs/op", out)
    assert re.search(r"PostgreSQL: per batch of 300 operations \d+\.\d statements and 5\.0 "
                     r"COPYs .* µs waiting in psycopg, PostgreSQL backend CPU \d+ µs", out)


@pytest.mark.slow
def test_bench_compliance_app_and_portal_figures(tmp_path):
    out = _python(
        "from pathlib import Path\n"
        "from scripts.bench_compliance import compliance_figures\n"
        "from scripts.bench_sync import census_app\n"
        "from scripts.bench_portal import portal_pages\n"
        f"tmp = Path({str(tmp_path)!r})\n"
        "targets = []\n"
        "compliance_figures(tmp / 'c', targets, facilities=2)\n"
        "print([t.name for t in targets])\n"
        "start, filter_s = census_app(tmp / 'a', 30)\n"
        "print('app', start > 0, filter_s > 0)\n"
        "pages = portal_pages(tmp / 'p', facilities=2, residents=3)\n"
        "print('pages', len(pages), all(m > 0 and p >= m for m, p in pages.values()))\n",
        timeout=600)
    assert "staffing compliance" in out and "worker processes" in out
    assert ("['terminal_quarter_staffing_s', 'terminal_pbj_export_s', "
            "'server_census_stats_2_facilities_s', 'server_staffing_quarter_2_facilities_s', "
            "'server_staffing_quarter_2_facilities_command_s']") in out
    assert "app True True" in out
    assert re.search(r"pages [1-9]\d* True", out)


def test_bench_integrity_with_and_without_the_check():
    out = _run("scripts/bench_integrity.py", "50")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["with", "without", "with", "without"]
    assert all(re.search(r"50 records: write [\d.]+ s, rewrite all [\d.]+ s, open [\d.]+ s",
                         line) for line in lines)


@pytest.mark.slow
def test_bench_figures_claim_two_processes():
    out = _run("scripts/bench_figures_claim.py", "2", "3")
    assert out.startswith("2 facilities, 3 residents each, SQLite")
    assert len(re.findall(r"computations +\d+ +CPU +[\d.]+ s", out)) == 6
