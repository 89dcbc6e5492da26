"""One report for many facilities, computed by worker processes.

A regional view or an inspector's sweep asks for the same report for every
facility. Each facility's report reads only that facility's records, so the
reports are independent, and a server process keeps no state of its own
(docs/architecture.md): a worker opens its own engine on the same database and
computes whole facilities with :func:`~.compliance.facility_report`, exactly as
one process does (a test compares them).

A threaded server spawns its workers (a fork copies locks other threads may
hold) and keeps them for its lifetime: starting one imports the server, several
times the work of one facility's report. A command run once, with no other
thread, forks them: they start at once, with the server already imported.
Whether they help depends on idle cores (docs/performance/compliance.md).

    with ReportWorkers(database_url, processes=2) as workers:
        reports = workers.reports("staffing-quarter", facility_ids, start, end,
                                  today=today, produced_at=now)

:func:`facility_reports` is the entry for one report over many facilities
(``chartkeep-server report NAME --all-facilities``): workers when there are
several facilities and cores, one process otherwise, the reports in order as
they are done.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import NamedTuple

from sqlalchemy.engine import Engine

from protocol.reports.model import Report
from protocol.reports.render import render
from server.storage.db import make_engine

from .compliance import facility_report

__all__ = ["ReportFile", "ReportWorkers", "facility_files", "facility_reports"]

MAX_PROCESSES = 8

Job = tuple[str, str, date, date, date, str, str]
"""Report name, facility id, start, end, today, produced at, produced by."""

Today = date | Mapping[str, date]
"""One date for every facility, or each facility's own (its wall clock's "today",
:func:`~.compliance.facilities_now`)."""


def day_of(today: Today, facility_id: str) -> date:
    return today if isinstance(today, date) else today[facility_id]

_engine: Engine | None = None
"""The worker process's own engine, opened by :func:`_open` when it starts."""


def _open(database_url: str) -> None:
    global _engine  # noqa: PLW0603 - one engine per worker process, made once when it starts
    _engine = make_engine(database_url, pool_size=1)


def _report(job: Job) -> Report:
    name, facility_id, start, end, today, produced_at, produced_by = job
    if _engine is None:  # the initializer opens it before any task
        raise RuntimeError("a report worker started without its engine")
    return facility_report(_engine, name, facility_id, start, end, today=today,
                           produced_at=produced_at, produced_by=produced_by)


class ReportFile(NamedTuple):
    """One facility's report as the file written for it: what the command says
    and audits about it, and its bytes."""

    facility_id: str
    name: str
    period: str
    flagged: bool
    data: bytes


FileJob = tuple[Job, str]
"""A report's job and the format of its file."""


def _file(job: FileJob) -> ReportFile:
    """The report, rendered where it was computed: the bytes cross to the parent
    process instead of the report's rows, and 50 renderings share the cores."""
    (name, facility_id, *_), fmt = job
    report = _report(job[0])
    return ReportFile(facility_id, name, report.period, bool(report.failing),
                      render(report, fmt))


class ReportWorkers:
    """Worker processes computing reports, one facility per task.

    ``processes`` defaults to the machine's cores (at most eight). They are
    forked when this is the process's only thread, spawned otherwise (or as
    ``start`` says).
    """

    def __init__(self, database_url: str, *, processes: int | None = None,
                 start: str | None = None) -> None:
        self.processes = max(1, processes or default_processes())
        if start is None:
            start = "fork" if _forkable() else "spawn"
        context = multiprocessing.get_context(start)
        self._pool = context.Pool(self.processes, initializer=_open,
                                  initargs=(database_url,))

    def reports(self, name: str, facility_ids: Sequence[str], start: date, end: date, *,
                today: Today, produced_at: str, produced_by: str = "") -> list[Report]:
        """The report ``name`` for each facility, in the order given. A facility
        that cannot be reported raises here what :func:`facility_report` raises."""
        jobs: list[Job] = [(name, facility_id, start, end, day_of(today, facility_id), produced_at,
                            produced_by)
                           for facility_id in facility_ids]
        return self._pool.map(_report, jobs, chunksize=1)

    def each(self, name: str, facility_ids: Sequence[str], start: date, end: date, *,
             today: Today, produced_at: str, produced_by: str = "") -> Iterator[Report]:
        """:meth:`reports`, each given as soon as it and those before it are done."""
        jobs: list[Job] = [(name, facility_id, start, end, day_of(today, facility_id), produced_at,
                            produced_by)
                           for facility_id in facility_ids]
        return self._pool.imap(_report, jobs, chunksize=1)

    def files(self, name: str, facility_ids: Sequence[str], start: date, end: date, fmt: str,
              *, today: Today, produced_at: str, produced_by: str = ""
              ) -> Iterator[ReportFile]:
        """:meth:`each`, each report rendered in ``fmt`` by the worker that made it."""
        jobs: list[FileJob] = [((name, facility_id, start, end, day_of(today, facility_id),
                                 produced_at, produced_by), fmt) for facility_id in facility_ids]
        return self._pool.imap(_file, jobs, chunksize=1)

    def close(self) -> None:
        """Let the workers finish and stop them."""
        self._pool.close()
        self._pool.join()

    def __enter__(self) -> ReportWorkers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is None:
            self.close()
        else:
            self._pool.terminate()
            self._pool.join()


def default_processes() -> int:
    """The machine's cores, at most :data:`MAX_PROCESSES`."""
    return min(os.cpu_count() or 1, MAX_PROCESSES)


def _forkable() -> bool:
    """Whether forking is safe here: no other thread (that could hold a lock the
    child would inherit locked), and a platform that forks."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def facility_reports(engine: Engine, database_url: str, name: str,
                     facility_ids: Sequence[str], start: date, end: date, *, today: Today,
                     produced_at: str, produced_by: str = "", processes: int | None = None,
                     progress: Callable[[int, int], None] | None = None) -> Iterator[Report]:
    """The report ``name`` for each facility, in the order given, each as soon as it
    (and those before it) is done; ``progress(done, total)`` after each.

    Several facilities on several cores are computed by :class:`ReportWorkers`
    (``processes``, default the cores, never more than the facilities); one
    facility or one core in this process, with ``engine``. Either way each report
    is :func:`~.compliance.facility_report`'s, and a facility that cannot be
    reported raises what it raises.
    """
    total = len(facility_ids)
    wanted = min(processes or default_processes(), total)
    if wanted > 1:
        with ReportWorkers(database_url, processes=wanted) as workers:
            for done, report in enumerate(workers.each(
                    name, facility_ids, start, end, today=today, produced_at=produced_at,
                    produced_by=produced_by), start=1):
                if progress is not None:
                    progress(done, total)
                yield report
        return
    for done, facility_id in enumerate(facility_ids, start=1):
        report = facility_report(engine, name, facility_id, start, end,
                                 today=day_of(today, facility_id), produced_at=produced_at,
                                 produced_by=produced_by)
        if progress is not None:
            progress(done, total)
        yield report


def facility_files(engine: Engine, database_url: str, name: str, facility_ids: Sequence[str],
                   start: date, end: date, fmt: str, *, today: Today, produced_at: str,
                   produced_by: str = "", processes: int | None = None,
                   progress: Callable[[int, int], None] | None = None
                   ) -> Iterator[ReportFile]:
    """:func:`facility_reports`, each report rendered in ``fmt`` (``chartkeep-server
    report NAME --all-facilities``): by the worker that computed it when there are
    several, so the parent process only writes the files."""
    total = len(facility_ids)
    wanted = min(processes or default_processes(), total)
    if wanted > 1:
        with ReportWorkers(database_url, processes=wanted) as workers:
            for done, file in enumerate(workers.files(
                    name, facility_ids, start, end, fmt, today=today,
                    produced_at=produced_at, produced_by=produced_by), start=1):
                if progress is not None:
                    progress(done, total)
                yield file
        return
    for done, report in enumerate(facility_reports(
            engine, database_url, name, facility_ids, start, end, today=today,
            produced_at=produced_at, produced_by=produced_by, processes=1), start=1):
        if progress is not None:
            progress(done, total)
        yield ReportFile(facility_ids[done - 1], report.name, report.period,
                         bool(report.failing), render(report, fmt))
