"""PostgreSQL: the server's own role works and cannot change or remove audit rows
even where a trigger is gone; SQLite has no roles and says so."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from server import admin
from server.core.service import SyncService
from server.errors import AdminError
from server.storage.roles import APPEND_ONLY_TABLES


def test_the_app_role_runs_the_server_and_only_appends_to_the_audit(engine, settings, world,
                                                                     h):
    if engine.dialect.name != "postgresql":
        with pytest.raises(AdminError, match="PostgreSQL"):
            admin.grant_app_role(engine, "chartkeep_app")
        return
    role = f"ck_app_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
    try:
        admin.grant_app_role(engine, role)
        app = sa.create_engine(engine.url.set(username=role), poolclass=NullPool)
        try:
            _exercise(app, settings, world, h, engine)
        finally:
            app.dispose()
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))


def _exercise(app: sa.Engine, settings, world, h, owner: sa.Engine) -> None:
    term = h.Term(SyncService(app, settings), world.a).enroll(app, settings, "clerk_MG")
    rid, create = h.new_resident(term)
    assert [r.status for r in term.push([create]).results] == ["applied"]
    admin.publish_checkpoints(app, settings)
    with owner.begin() as conn:  # the owner can drop the triggers; the role still can't
        h.drop_append_only(conn)
    for table in APPEND_ONLY_TABLES:
        for statement in (f"UPDATE {table} SET chain = chain", f"DELETE FROM {table}",
                          f"TRUNCATE {table}"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), \
                    app.begin() as conn:
                conn.execute(sa.text(statement))
    assert admin.verify_audit(app) is None
    assert h.record(app, rid).id == rid
