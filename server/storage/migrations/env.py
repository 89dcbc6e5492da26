"""Alembic environment for the Chartkeep server.

The caller (``server.storage.migrations.upgrade``) hands over an open connection in
``config.attributes["connection"]``, so the URL never passes through
ConfigParser (whose ``%`` interpolation breaks URL-encoded options) and the
SQLite engine's transaction hooks apply. Running the ``alembic`` command line
directly works too: it reads ``sqlalchemy.url`` or ``CHARTKEEP_SERVER_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context

from server.storage.db import make_engine
from server.storage.models import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "CHARTKEEP_SERVER_DATABASE_URL", "")
    if not url:
        raise SystemExit("no database URL: set CHARTKEEP_SERVER_DATABASE_URL")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
