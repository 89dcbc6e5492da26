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


def test_a_reports_produced_time_is_utc_and_says_so_wherever_the_server_runs(
        world, engine, monkeypatch):
    """The header's times (produced, data as of) are UTC with the zone named, as the
    portal shows every time: they were the server's local time, unlabelled, so a
    report made on a server in another zone read hours off to its reader."""
    import time

    from sqlalchemy import update

    from server.reports.compliance import produced_at
    from server.reports.loading import data_as_of
    from server.storage.db import read_tx, write_tx
    from server.storage.models import T

    ms = int(datetime(2026, 9, 22, 5, 7, tzinfo=UTC).timestamp() * 1000)
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    try:
        assert produced_at(ms) == "2026-09-22 05:07 UTC"
        with write_tx(engine) as conn:
            conn.execute(update(T.heads).where(T.heads.c.facility_id == world.a.id)
                         .values(changed_at=ms))
        with read_tx(engine) as conn:
            assert data_as_of(conn, world.a.id) == "2026-09-22 05:07 UTC"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
