"""Reports computed by worker processes are the reports one process computes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from client.clock import ManualClock
from protocol.reports.catalog import REPORTS
from server.errors import NotFound
from server.reports.compliance import facility_report
from server.reports.workers import ReportWorkers

from .compliance_world import OCT, TODAY, build

pytestmark = pytest.mark.slow


def test_workers_give_what_one_process_gives(org) -> None:
    session = org.terminal(org.a, "rm.MG", clock=ManualClock(datetime(2026, 11, 10, 9, 0)))
    build(session, org.a.beds)
    assert session.sync().error is None
    session.lock()
    end = date(2026, 10, 31)
    facilities = [org.a.id, org.b.id, org.a.id]
    with ReportWorkers(org.settings.database_url, processes=2) as workers:
        for name in sorted(REPORTS):
            here = [facility_report(org.engine, name, fid, OCT, end, today=TODAY,
                                    produced_at="x") for fid in facilities]
            there = workers.reports(name, facilities, OCT, end, today=TODAY,
                                    produced_at="x")
            assert there == here, name
        assert any(report.rows for report in there)
        with pytest.raises(NotFound):
            workers.reports("staffing-days", [org.a.id, "no-such-facility"], OCT, end,
                            today=TODAY, produced_at="x")
