"""One report for many facilities, computed by worker processes.

A regional view or an inspector's sweep asks for the same report for every
facility. Each facility's report reads only that facility's records, so the
reports are independent, and a server process keeps no state of its own
(docs/architecture.md): a worker opens its own engine on the same database and
computes whole facilities with :func:`~.compliance.facility_report`, exactly as
one process does (a test compares them).

Workers are started once and reused, as a server keeps them for its lifetime:
starting one imports the server, several times the work of one facility's
report. Processes are spawned, never forked, so a pool may be started from a
threaded server. Whether they help depends on idle cores (docs/performance.md).

    with ReportWorkers(database_url, processes=2) as workers:
        reports = workers.reports("staffing-quarter", facility_ids, start, end,
                                  today=today, produced_at=now)
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from datetime import date
from types import TracebackType

from sqlalchemy.engine import Engine

from protocol.reports.model import Report
from server.storage.db import make_engine

from .compliance import facility_report

__all__ = ["ReportWorkers"]

MAX_PROCESSES = 8

Job = tuple[str, str, date, date, date, str, str]
"""Report name, facility id, start, end, today, produced at, produced by."""

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


class ReportWorkers:
    """Worker processes computing reports, one facility per task.

    ``processes`` defaults to the machine's cores (at most eight).
    """

    def __init__(self, database_url: str, *, processes: int | None = None) -> None:
        self.processes = max(1, processes or min(os.cpu_count() or 1, MAX_PROCESSES))
        context = multiprocessing.get_context("spawn")
        self._pool = context.Pool(self.processes, initializer=_open,
                                  initargs=(database_url,))

    def reports(self, name: str, facility_ids: Sequence[str], start: date, end: date, *,
                today: date, produced_at: str, produced_by: str = "") -> list[Report]:
        """The report ``name`` for each facility, in the order given. A facility
        that cannot be reported raises here what :func:`facility_report` raises."""
        jobs: list[Job] = [(name, facility_id, start, end, today, produced_at, produced_by)
                           for facility_id in facility_ids]
        return self._pool.map(_report, jobs, chunksize=1)

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
