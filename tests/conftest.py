"""Fixtures and hooks shared by the whole Chartkeep test suite.

- Every test runs with ``HOME``, ``CHARTKEEP_HOME`` and the XDG directories in a
  temporary directory of its own, and with no ``CHARTKEEP_*`` setting inherited from
  the developer's shell: no test reads or writes a real home directory.
- ``server_db_url`` gives the server's database URL once per backend: SQLite
  always, PostgreSQL (in a throwaway schema) when ``CHARTKEEP_TEST_POSTGRES_URL``
  names a server. Without it the PostgreSQL variant is skipped, and the end of the
  run says so.
- Hypothesis runs under the ``ci`` profile when ``CI`` is set, ``dev`` otherwise.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from _pytest.terminal import TerminalReporter
    from sqlalchemy.engine import URL

POSTGRES_URL_ENV = "CHARTKEEP_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = f"{POSTGRES_URL_ENV} not set"

# Deadlines make property tests flaky on a loaded machine; timings belong in
# scripts/bench, not in pass/fail tests.
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("ci", deadline=None, max_examples=300, print_blob=True)
settings.load_profile(
    "ci" if os.environ.get("CI", "").lower() not in {"", "0", "false", "no"} else "dev"
)


# --- isolation from the developer's machine ---------------------------------


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point every per-user location at a fresh temporary directory."""
    for name in list(os.environ):
        if name.startswith("CHARTKEEP_") and not name.startswith("CHARTKEEP_TEST_"):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CHARTKEEP_HOME", str(home / "chartkeep"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    # Every server a test starts seals its signing key with this (server/storage/keys.py).
    monkeypatch.setenv("CHARTKEEP_SERVER_KEY_PASSPHRASE", "test passphrase for the server key")
    return home


# --- password derivations, each done once per test process --------------------


@pytest.fixture(autouse=True, scope="session")
def _derive_each_password_once() -> Iterator[None]:
    """Remember Argon2id results within one test process.

    A derivation is a pure function of the password, salt and cost, and each costs
    0.3–0.5 s of CPU by design (64 MiB, 3 passes). A terminal test enrolls once and
    then unlocks the same slot several times (arranging data, signing in at the app,
    switching users), and every server login verifies the same stored hash: the
    suite spent a third of its CPU deriving keys it had already derived. Each new
    salt or password is still derived by Argon2id itself, so a wrong password, a
    rewrapped slot or an unknown user is as real as in the product; only an
    identical derivation is answered from memory. Nothing in the product changes.
    """
    from client.store import keyslots
    from server.core import passwords
    from server.portal import accounts

    derive = keyslots.KdfParams.derive
    keys: dict[tuple[bytes, int, int, int, str], bytes] = {}

    def derive_once(self: keyslots.KdfParams, password: str) -> bytes:
        slot = (self.salt, self.memory_cost, self.iterations, self.lanes, password)
        if slot not in keys:
            keys[slot] = derive(self, password)
        return keys[slot]

    verify = passwords.verify_password
    verdicts: dict[tuple[str, str], bool] = {}

    def verify_once(password: str, encoded: str) -> bool:
        if (password, encoded) not in verdicts:
            verdicts[password, encoded] = verify(password, encoded)
        return verdicts[password, encoded]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots.KdfParams, "derive", derive_once)
        patch.setattr(passwords, "verify_password", verify_once)
        patch.setattr(accounts, "verify_password", verify_once)
        yield


# --- the server's database, on each backend ----------------------------------


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def server_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL for an empty server database.

    SQLite: a file in the test's temporary directory. PostgreSQL: a schema of its
    own on the server named by ``CHARTKEEP_TEST_POSTGRES_URL``, made the
    connection's ``search_path`` through the URL, and dropped afterwards, so tests
    never see each other's tables.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(POSTGRES_SKIP_REASON)
    yield from _postgres_schema_url(base_url)


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    # Imported here so a run without PostgreSQL never needs psycopg.
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    url = _with_psycopg_driver(sa.make_url(base_url))
    schema = f"ck_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(url, schema).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # A connection a test left inside a transaction would make the drop
            # wait forever; fail the teardown instead.
            conn.execute(sa.text("SET lock_timeout = '15s'"))
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def _with_psycopg_driver(url: URL) -> URL:
    """Use psycopg 3 for a bare ``postgresql://`` URL (SQLAlchemy's default is psycopg2)."""
    if url.drivername == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    return url


def _with_search_path(url: URL, schema: str) -> URL:
    """Add ``-csearch_path=<schema>`` to libpq's ``options``, keeping any already given."""
    existing = url.query.get("options", "")
    if isinstance(existing, tuple):
        existing = " ".join(existing)
    options = f"{existing} -csearch_path={schema}".strip()
    return url.update_query_dict({"options": options})


# --- the longest tests first ---------------------------------------------------


def _start_order(item: pytest.Item) -> int:
    if item.get_closest_marker("slow"):
        return 0
    if item.get_closest_marker("tui") or item.get_closest_marker("browser"):
        return 1
    return 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the long tests first (``slow``, then the app's and the browser's).

    pytest-xdist hands tests out in collection order; a minute-long test that
    happened to be collected last kept one worker busy for minutes after the
    others had finished. The sort is stable, so the order is the same in every
    worker, as xdist requires. scripts/test hands tests out two at a time
    (``--maxschedchunk 2``), so the long ones start on every worker at once
    rather than all on the first.
    """
    items.sort(key=_start_order)


# --- saying what happened to the PostgreSQL backend --------------------------


def pytest_report_header(config: pytest.Config) -> str:
    """State up front whether PostgreSQL tests can run."""
    if os.environ.get(POSTGRES_URL_ENV):
        return f"chartkeep: PostgreSQL tests enabled ({POSTGRES_URL_ENV} is set)"
    return f"chartkeep: PostgreSQL tests will be skipped ({POSTGRES_SKIP_REASON})"


def pytest_terminal_summary(
    terminalreporter: TerminalReporter,
    exitstatus: int,
    config: pytest.Config,
) -> None:
    """End the run with one line on whether the PostgreSQL backend was exercised."""
    ran, errored, skipped = _postgres_outcomes(terminalreporter)
    if ran or errored:
        line = f"PostgreSQL backend: ran {ran} test(s)"
        if errored:
            line += f", {errored} errored before running"
        if skipped:
            line += f", {skipped} skipped"
    elif skipped:
        reason = "" if os.environ.get(POSTGRES_URL_ENV) else f" ({POSTGRES_SKIP_REASON})"
        line = f"PostgreSQL backend: skipped {skipped} test(s){reason}"
    else:
        line = "PostgreSQL backend: no PostgreSQL tests were selected"
    terminalreporter.write_line(line)


def _postgres_outcomes(terminalreporter: TerminalReporter) -> tuple[int, int, int]:
    """Count ``postgres`` tests that ran, errored in setup, and were skipped."""
    ran: set[str] = set()
    errored: set[str] = set()
    skipped: set[str] = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            # "deselected" holds the items themselves, not reports: skip them.
            if not hasattr(report, "when") or "postgres" not in getattr(report, "keywords", {}):
                continue
            if report.skipped:
                skipped.add(report.nodeid)
            elif report.when == "call":
                ran.add(report.nodeid)
            elif report.when == "setup" and report.failed:
                errored.add(report.nodeid)
    return len(ran), len(errored), len(skipped)
