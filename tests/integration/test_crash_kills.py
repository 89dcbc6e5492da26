"""Crash safety: the terminal and server processes killed with SIGKILL at 200
seeded random moments (local writes, push, pull), on SQLite and PostgreSQL;
then every change the clerk saw saved ends applied, conflict or rejected
exactly once, nothing is duplicated, and the terminal equals the server
(:mod:`crash_harness`). ``scripts/crash`` runs longer campaigns."""

from __future__ import annotations

import os
import sys

import pytest
import sqlalchemy as sa

from client import terminal
from client.clock import SystemClock
from client.sync.transport import HttpTransport
from server import admin
from server.settings import Settings
from server.storage.db import make_engine

from .crash_harness import Campaign, check_history, free_port

PASSWORD = "a long passphrase for the night shift"
POINTS = int(os.environ.get("CHARTKEEP_CRASH_POINTS", "200"))
SEED = int(os.environ.get("CHARTKEEP_CRASH_SEED", "8"))


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL")
def test_killed_processes_lose_nothing(server_db_url: str, tmp_path) -> None:
    settings = Settings(database_url=server_db_url, data_dir=tmp_path / "server",
                        port=free_port(), worker_threads=2, db_pool_size=4)
    settings.data_dir.mkdir()
    engine = make_engine(settings.database_url)
    admin.init(engine, settings)
    facility = admin.create_facility(engine, settings, name="Maple Grove", state="OH",
                                     mrn_prefix="MG")
    admin.create_user(engine, settings, facility_id=facility, username="clerk.MG",
                      role="clerk")
    code = admin.issue_code(engine, settings, facility_id=facility)
    engine.dispose()  # nothing open across the forks
    home = tmp_path / "terminal"
    campaign = Campaign(settings, home, seed=SEED)
    try:
        campaign.start_server()
        enrolled = terminal.enroll(home, campaign.url, code, "Front desk", "clerk.MG",
                                   PASSWORD, transport=HttpTransport(campaign.url),
                                   clock=SystemClock(), sleep=lambda _s: None)
        campaign.use(enrolled)
        figures = campaign.run(POINTS)
        enrolled.lock()
        session = terminal.unlock(home, "clerk.MG", PASSWORD,
                                  transport=HttpTransport(campaign.url), clock=SystemClock(),
                                  sleep=lambda _s: None)
        for _ in range(3):  # quiescence
            assert session.sync().error is None
        engine = make_engine(settings.database_url)
        try:
            checked, results = check_history(session, engine, facility, campaign.log)
            figures.saved, figures.answered = checked, results
            with engine.connect() as conn:
                handled = conn.execute(sa.text("SELECT count(*) FROM ops")).scalar_one()
        finally:
            session.lock()
            engine.dispose()
    finally:
        campaign.stop()
    assert figures.points >= POINTS
    assert figures.by_victim["server"] > 0 and figures.by_victim["terminal"] > 0
    assert {"write", "push", "pull"} <= set(figures.by_phase)
    assert checked > 0 and sum(results.values()) == checked
    assert handled > 0
    print("\n".join(figures.lines()))  # noqa: T201 - the figures, with -s
