"""Browser tests of the portal: Playwright driving Debian's Chromium
(``apt-get install chromium``; Playwright's own browser download is not used)
against a real server on loopback, in a thread, on SQLite.

Without ``/usr/bin/chromium`` (or ``CHARTKEEP_TEST_CHROMIUM``) every test here
is skipped, and the run says so.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, expect, sync_playwright

from server import admin
from server.http.runner import ServerThread
from server.portal import accounts
from server.settings import Settings
from server.storage.db import make_engine

CHROMIUM = os.environ.get("CHARTKEEP_TEST_CHROMIUM") or shutil.which("chromium") \
    or "/usr/bin/chromium"
SKIP_REASON = ("Chromium not found (apt-get install chromium, or set "
               "CHARTKEEP_TEST_CHROMIUM): browser tests skipped")
PASSWORD = "a long walk by the quiet lake"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


# pytest-playwright keeps one Playwright (and its event loop, on the main
# thread) for the whole session; every asyncio test collected after these would
# then find a loop already running. These overrides keep Playwright, the
# browser and its options to each browser test module, and stop them after it.


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright) -> BrowserType:
    return playwright.chromium


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args: dict[str, Any],
                   browser_type: BrowserType) -> Any:
    return lambda **kwargs: browser_type.launch(**{**browser_type_launch_args, **kwargs})


@pytest.fixture(scope="module")
def browser(launch_browser: Any) -> Iterator[Browser]:
    opened = launch_browser()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-dev-shm-usage"]}


@dataclass
class Portal:
    url: str
    settings: Settings
    engine: Any
    facility_a: str
    facility_b: str
    manager: str
    secret: str
    manager_id: str = ""


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    settings = Settings(data_dir=tmp_path / "server", worker_threads=4, db_pool_size=4)
    with ServerThread(settings) as server:
        engine = make_engine(settings.database_url)
        try:
            a = admin.create_facility(engine, settings, name="Maple Grove", state="OH",
                                      mrn_prefix="MG")
            b = admin.create_facility(engine, settings, name="Oak Hill", state="OH",
                                      mrn_prefix="OK")
            made = accounts.create_account(engine, settings, username="rm_north",
                                           role="regional_manager", password=PASSWORD,
                                           display_name="Robin North", facilities=[a])
            yield Portal(server.url, settings, engine, a, b, made.username,
                         made.totp_secret or "", made.id)
        finally:
            engine.dispose()


def sign_in(page: Page, portal: Portal) -> None:
    """Sign in as the portal's regional manager (password, then a current TOTP
    code) from the portal's front page; ends on the list of facilities."""
    page.goto(portal.url + "/portal")
    expect(page).to_have_url(re.compile(r"/portal/sign-in\?next=/portal$"))
    page.get_by_label("User name").fill(portal.manager)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(accounts.totp_code(portal.secret, portal.settings.clock()))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Facilities")


@pytest.fixture
def signed_in(page: Page, portal: Portal) -> Page:
    """The browser's page, signed in as the regional manager, on the facilities list.
    Records a test sends through a terminal after this are read when a page is
    opened (no page is cached)."""
    sign_in(page, portal)
    return page


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line at the end, like the PostgreSQL one: did the browser tests run?"""
    ran = skipped = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            if "tests/browser/" not in getattr(report, "nodeid", "") or \
                    getattr(report, "when", "") not in ("call", "setup"):
                continue
            if report.skipped:
                skipped += 1
            elif report.when == "call":
                ran += 1
    if ran or skipped:
        line = f"Browser tests: ran {ran} in {CHROMIUM}" if ran else \
            f"Browser tests: skipped {skipped} ({SKIP_REASON})"
        terminalreporter.write_line(line)
