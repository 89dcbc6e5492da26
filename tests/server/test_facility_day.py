"""A facility's "today" at the server is its own wall clock's (docs/rules.md §0.1):
the command line's compliance, report and PBJ commands judge a facility as of
its date, not the date where the server runs, unless ``--today`` says otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.admin.compliance_cli import _facility_day
from server.core.records_settings import set_records_settings

pytestmark = pytest.mark.usefixtures("world")


def test_the_command_lines_today_is_the_facilitys(world, engine, settings, clock):
    set_records_settings(engine, settings, facility_id=world.a.id, timezone="Pacific/Honolulu")
    clock.now = int(datetime(2026, 9, 22, 5, 0, tzinfo=UTC).timestamp() * 1000)
    assert _facility_day(None, "--today", engine, settings, world.a.id) == date(2026, 9, 21)
    assert _facility_day(None, "--today", engine, settings, world.b.id) == date(2026, 9, 22)
    assert _facility_day("2026-01-05", "--today", engine, settings, world.a.id) == \
        date(2026, 1, 5)


def test_a_report_for_every_facility_takes_each_facilitys_own_date(world, engine, settings,
                                                                  monkeypatch):
    """``report --all-facilities`` without ``--today``: each facility is judged as of
    its own date (the command line reads them with ``facilities_now``)."""
    from server.reports import workers

    seen: dict[str, date] = {}

    def recording(engine, name, facility_id, start, end, *, today, **_):
        seen[facility_id] = today
        return object()

    monkeypatch.setattr(workers, "facility_report", recording)
    days = {world.a.id: date(2026, 9, 21), world.b.id: date(2026, 9, 22)}
    list(workers.facility_reports(engine, settings.database_url, "census",
                                  [world.a.id, world.b.id], date(2026, 9, 1),
                                  date(2026, 9, 14), today=days, produced_at="",
                                  processes=1))
    assert seen == days
