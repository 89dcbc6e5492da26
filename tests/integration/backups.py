"""Real backups and restores of the server's database, as an operator makes
them: SQLite through its online backup API into a file copied back over the
database; PostgreSQL through ``pg_dump`` and ``psql`` of the test's schema."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from server.http.runner import ServerThread
from server.storage.db import make_engine

from .conftest import Org


def _schema(url: sa.URL) -> str:
    options = url.query.get("options", "")
    text = " ".join(options) if isinstance(options, tuple) else options
    return text.split("search_path=")[1].split()[0]


def _libpq(url: sa.URL) -> list[str]:
    return [f"--host={url.host or '127.0.0.1'}", f"--port={url.port or 5432}",
            f"--username={url.username or 'postgres'}", f"--dbname={url.database}"]


def take_backup(org: Org, into: Path) -> Path:
    """A backup of the running server's database, in a file."""
    url = sa.make_url(org.settings.database_url)
    if url.get_backend_name() == "sqlite":
        target = into / "backup.db"
        source = sqlite3.connect(str(url.database))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    target = into / "backup.sql"
    subprocess.run(["pg_dump", *_libpq(url), f"--schema={_schema(url)}", "--no-owner",
                    f"--file={target}"], check=True)
    return target


def restore_backup(org: Org, backup: Path) -> None:
    """Stop the server, put the backup in place of its database, start it again
    on the same address (terminals keep theirs)."""
    port = org.server.port
    org.server.stop()
    org.engine.dispose()
    url = sa.make_url(org.settings.database_url)
    if url.get_backend_name() == "sqlite":
        database = Path(str(url.database))
        for extra in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            extra.unlink(missing_ok=True)
        shutil.copyfile(backup, database)
    else:
        schema = _schema(url)
        subprocess.run(["psql", *_libpq(url), "--quiet", "-v", "ON_ERROR_STOP=1",
                        "-c", f'DROP SCHEMA "{schema}" CASCADE'], check=True,
                       capture_output=True)
        subprocess.run(["psql", *_libpq(url), "--quiet", "-v", "ON_ERROR_STOP=1",
                        f"--file={backup}"], check=True, capture_output=True)
    org.engine = make_engine(org.settings.database_url)
    org.server = ServerThread(org.settings, port=port).start()
