"""Compliance figures for scripts/bench: a 120-bed facility (150 staff, 90 days of
clocked shifts) at a terminal, and one report for 50 such facilities at the server.

The records are written straight into a real terminal's encrypted store and the
real server's database, as a sync would leave them (each record's current state);
what is timed is what a clerk or an inspector waits for: reading the records and
computing the staffing compliance or the PBJ file from them. The floor is reading
and decoding the same rows without computing anything, measured in the same run.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from protocol.ids import new_id
from protocol.rules.calendar import Quarter

QUARTER = Quarter.parse("2026Q4")  # July–September 2026
TODAY = date(2026, 10, 20)


def facility_rows(facility_id: str, *, beds: int = 120, staff: int = 150,
                  seed: int = 11) -> list[dict[str, Any]]:
    """Residents in most beds, staff in the usual mix, and 90 days of shifts."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = [{"kind": "facility", "id": facility_id, "data": {
        "name": f"Bench Manor {facility_id[-4:]}", "state_code": "CA", "compliance": {
            "pbj_facility_id": "CA-BENCH-1",
            "bed_counts": [{"start": "2026-01-01", "beds": beds}]}}}]
    start = QUARTER.start
    for i in range(int(beds * 0.9)):
        rid, sid = new_id(), new_id()
        rows.append({"kind": "resident", "id": rid, "data": {
            "mrn": f"B{i}", "family_name": f"Family{i:03d}", "given_name": "Pat",
            "birth_date": "1940-01-01", "sex": "female", "_bed_label": f"{i}-A"}})
        admitted = start - timedelta(days=rng.randrange(0, 400))
        stay = {"resident_id": rid, "admitted_at": admitted.isoformat(), "status": "active",
                "payer": rng.choice(["medicare", "medicaid", "private"]), "leaves": []}
        if rng.random() < 0.2:
            stay |= {"status": "discharged", "discharged_at": (
                start + timedelta(days=rng.randrange(1, 90))).isoformat(),
                "disposition": "home"}
        rows.append({"kind": "stay", "id": sid, "data": stay})
    mix = [5] + [7] * 20 + [9] * 25 + [10] * 95 + [16] * 9
    people = []
    for n, code in enumerate(mix[:staff]):
        sid = new_id()
        people.append((sid, code))
        rows.append({"kind": "staff", "id": sid, "data": {
            "employee_id": f"E{n:04d}", "family_name": f"Staff{n:03d}", "given_name": "Lee",
            "job_title_code": code, "pay_type_code": 2, "hire_date": "2024-01-02",
            "director_of_nursing": code == 5, "registry_states": "CA"}})
        if code in (5, 7, 9):
            rows.append({"kind": "license", "id": new_id(), "data": {
                "staff_id": sid, "license_type": "RN" if code != 9 else "LPN",
                "number": f"L{n}", "issuing_state": "CA", "expires_on": "2027-06-30",
                "verified_on": "2026-01-05"}})
    for offset in range(90):
        day = start + timedelta(days=offset)
        for sid, code in people:
            if rng.random() > 5 / 7:
                continue
            begin = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=rng.choice([7, 15, 23]))
            rows.append({"kind": "hours", "id": new_id(), "data": {
                "staff_id": sid, "work_date": day.isoformat(), "hours": "8.00",
                "job_title_code": code, "pay_type_code": 2,
                "clock_in": begin.isoformat(timespec="minutes"),
                "clock_out": (begin + timedelta(hours=8, minutes=30)).isoformat(
                    timespec="minutes"), "meal_minutes": 30}})
    return rows


def fill_terminal(session: Any, rows: list[dict[str, Any]]) -> None:
    from client.store.database import RECORDS, dumps
    from client.store.search import search_columns
    from protocol.merge import RecordState

    values = []
    for row in rows:
        cols = search_columns(row["kind"], row["id"], RecordState(data=row["data"]))
        values.append({"id": row["id"], "kind": row["kind"],
                       "facility_id": session.facility_id, "data": dumps(row["data"]),
                       "versions": "{}", "conflicts": "{}", "status": "active", "seq": 1,
                       **cols, "pending": 0})
    for row in values:
        if row["kind"] == "facility":
            row["id"] = session.facility_id
    with session.store.write() as conn:
        conn.execute(RECORDS.delete().where(RECORDS.c.id == session.facility_id))
        conn.execute(RECORDS.insert(), values)


def terminal_seconds(session: Any) -> dict[str, float]:
    """Median of three: the quarter's staffing compliance, and the PBJ file."""
    from client.store.database import RECORDS

    def median(run: Any) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return sorted(times)[1]

    def floor() -> None:
        with session.store.read() as conn:
            for (data,) in conn.execute(sa.select(RECORDS.c.data)):
                json.loads(data)

    def staffing() -> None:
        report = session.compliance.report("staffing-quarter", QUARTER.start, QUARTER.end)
        assert report.rows

    def pbj() -> None:
        result = session.compliance.pbj(QUARTER)
        assert result.export.xml is not None, result.problems[:3]

    return {"floor": median(floor), "staffing": median(staffing), "pbj": median(pbj)}


def fill_server(engine: Any, settings: Any, count: int) -> list[str]:
    """``count`` facilities of the bench's size, made as ``chartkeep-server
    create-facility`` makes them, their records in the server's records table."""
    from protocol.reports.facts import hours_begin_day
    from server import admin
    from server.storage.models import T

    ids = []
    for n in range(count):
        fid = admin.create_facility(engine, settings, name=f"Bench Manor {n:02d}", state="CA",
                                    mrn_prefix=f"B{n:02d}")
        ids.append(fid)
        rows = facility_rows(fid, seed=n)
        with engine.begin() as conn:
            conn.execute(sa.update(T.records).where(T.records.c.id == fid).values(
                data=rows[0]["data"]))
            conn.execute(sa.insert(T.records), [
                {"id": r["id"], "kind": r["kind"], "facility_id": fid, "data": r["data"],
                 "versions": {}, "conflicts": {}, "status": "active", "seq": 1,
                 "work_day": hours_begin_day(r["data"]) if r["kind"] == "hours" else None}
                for r in rows[1:]])
    return ids


def server_seconds(engine: Any, ids: list[str]) -> dict[str, float]:
    """Wall and CPU seconds (``*_cpu``) of this process for 50 facilities: the floor
    (one query per facility for its records' snapshots, each decoded, nothing
    else), census statistics, and the staffing report over the quarter."""
    from server.reports.compliance import facility_report
    from server.reports.loading import KINDS
    from server.reports.loading import _decode as decode
    from server.storage.db import read_tx
    from server.storage.models import T

    records = T.records

    def floor() -> None:
        with read_tx(engine) as conn:
            for fid in ids:
                for (data,) in conn.execute(
                        sa.select(sa.cast(records.c.data, sa.Text)).where(
                            records.c.facility_id == fid, records.c.kind.in_(KINDS))).all():
                    decode(data) if isinstance(data, str) else data

    def report(name: str) -> None:
        for fid in ids:
            facility_report(engine, name, fid, QUARTER.start, QUARTER.end, today=TODAY,
                            produced_at="bench")

    out: dict[str, float] = {}
    for key, run in (("floor", floor), ("census_stats", lambda: report("census-stats")),
                     ("staffing", lambda: report("staffing-quarter"))):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        out[key] = time.perf_counter() - started
        out[f"{key}_cpu"] = time.process_time() - cpu
    return out


def command_seconds(settings: Any, ids: list[str], out: Path) -> tuple[float, float]:
    """Wall seconds of ``chartkeep-server report staffing-quarter`` for the
    facilities ``ids`` in its own process, as a regional manager runs it: start,
    worker processes, the reports, one CSV file each, each audited; and the CPU
    seconds of the command and its workers together (on a shared machine the
    wall time says more about the others' work than about this one's)."""
    import resource

    def children_cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    cpu = children_cpu()
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("chartkeep-server")),
                    "--database-url", settings.database_url, "--data-dir",
                    str(settings.data_dir), "report", "staffing-quarter",
                    *(arg for fid in ids for arg in ("--facility", fid)),
                    "--from", QUARTER.start.isoformat(), "--to", QUARTER.end.isoformat(),
                    "--today", TODAY.isoformat(), "--format", "csv", "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    # One facility's report is written to ``out`` itself; several go into it as a folder.
    written = len(list(out.iterdir())) if out.is_dir() else int(out.is_file())
    if written != len(ids):
        raise RuntimeError(f"the command wrote {written} reports for {len(ids)} facilities")
    return seconds, cpu


def compliance_figures(tmp: Path, targets: list[Any], *, facilities: int) -> None:
    """scripts/bench's compliance lines: a 120-bed facility at a terminal; one
    report for many facilities at the server (``facilities`` such)."""
    from scripts.bench_world import Target, enroll, say, server_on
    from server.reports.workers import default_processes

    # The server (in this process, as before 2026-12-07) only enrolls the terminal:
    # the records are written straight into both databases.
    with server_on(None, tmp, in_process=True) as (settings, engine, server, facility):
        session = enroll(settings, engine, server, facility, tmp / "compliance", "bench.rm")
        rows = facility_rows(facility)
        fill_terminal(session, rows)
        hours = sum(1 for r in rows if r["kind"] == "hours")
        figures = terminal_seconds(session)
        session.lock()
        say(f"  compliance at a terminal, 120 beds, 150 staff, {hours:,} shifts in 90 days: "
            f"floor (read + decode) {figures['floor']:.2f} s, staffing compliance "
            f"{figures['staffing']:.2f} s, PBJ file {figures['pbj']:.2f} s")
        targets.append(Target("terminal_quarter_staffing_s", figures["staffing"], 1.0, "s",
                              False))
        targets.append(Target("terminal_pbj_export_s", figures["pbj"], 1.0, "s", False))
        ids = fill_server(engine, settings, facilities)
        server_figures = server_seconds(engine, ids)
        say(f"  server, {facilities} such facilities: floor (read + decode) "
            f"{_wall_cpu(server_figures, 'floor')}, census statistics "
            f"{_wall_cpu(server_figures, 'census_stats')}, staffing over the quarter "
            f"{_wall_cpu(server_figures, 'staffing')}")
        command, command_cpu = command_seconds(settings, ids, tmp / "reports")
        say(f"  chartkeep-server report staffing-quarter --facility … ({facilities} CSV "
            f"files, {min(default_processes(), facilities)} worker processes): {command:.2f} s "
            f"(CPU {command_cpu:.2f} s, the command and its workers)")
        targets.append(Target(f"server_census_stats_{facilities}_facilities_s",
                              server_figures["census_stats"], 5.0, "s", False))
        targets.append(Target(f"server_staffing_quarter_{facilities}_facilities_s",
                              server_figures["staffing"], 5.0, "s", False))
        targets.append(Target(f"server_staffing_quarter_{facilities}_facilities_command_s",
                              command, 5.0, "s", False))


def _wall_cpu(figures: dict[str, float], key: str) -> str:
    """Wall seconds, then this process's CPU seconds: on a machine shared with other
    work, the gap between the two is time spent waiting for a core."""
    return f"{figures[key]:.2f} s (CPU {figures[key + '_cpu']:.2f} s)"
