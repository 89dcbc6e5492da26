"""PostgreSQL: the role a deployment's ``serve`` processes connect as.

The triggers of the audit tables refuse UPDATE, DELETE and TRUNCATE whoever asks,
but the tables' owner can drop a trigger. So the server runs as a role that owns
nothing: it may read and write the working tables, and may only read and append
to the audit log (``audit``, ``audit_nodes``, ``audit_checkpoints``). Migrations
and ``chartkeep-server grant-app-role`` run as the owner.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.errors import AdminError

APPEND_ONLY_TABLES = ("audit", "audit_nodes", "audit_checkpoints")
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_app_role(conn: Connection, role: str) -> None:
    """Give ``role`` what the server needs in the current schema, and no UPDATE,
    DELETE or TRUNCATE on the audit tables. The role must exist (its login and
    password are the deployment's business); running this again after an upgrade
    covers new tables."""
    if conn.dialect.name != "postgresql":
        raise AdminError("grant-app-role is for PostgreSQL; SQLite has no roles "
                         "(its audit tables are kept insert-only by triggers)")
    if not _ROLE_NAME.match(role):
        raise AdminError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                          {"r": role}).first()
    if exists is None:
        raise AdminError(f"no role {role!r}: create it first (CREATE ROLE {role} LOGIN "
                         "PASSWORD '…')")
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    quoted = f'"{schema}"'
    for statement in (
            f"GRANT USAGE ON SCHEMA {quoted} TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quoted} TO {role}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {quoted} TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY_TABLES)} FROM {role}",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}"):
        conn.execute(sa.text(statement))
