"""Making a database ready for the server: the schema at its newest revision
and a signing key. Idempotent; ``chartkeep-server init`` and every test server
run it."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from server.settings import Settings

from . import migrations
from .continuity_models import ensure_generation
from .db import write_tx
from .keys import ensure_server_key


def initialise(engine: Engine, settings: Settings) -> bytes:
    """Create or upgrade the schema and make the server key (sealed in its key
    file); return its public half."""
    migrations.upgrade(engine)
    with write_tx(engine) as conn:
        ensure_generation(conn, settings.clock())
        return ensure_server_key(conn, settings, settings.clock())
