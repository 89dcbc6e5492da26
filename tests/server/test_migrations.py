import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.storage import migrations
from server.storage.db import make_engine
from server.storage.models import metadata


def test_upgrade_downgrade_upgrade(server_db_url):
    engine = make_engine(server_db_url)
    try:
        migrations.upgrade(engine)
        assert migrations.current(engine) == "0001"
        migrations.downgrade(engine)
        assert migrations.current(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert migrations.current(engine) == "0001"
        tables = set(sa.inspect(engine).get_table_names())
        assert {"records", "changes", "ops", "audit", "stays", "facility_heads"} <= tables
    finally:
        engine.dispose()


def test_migrations_match_the_models(server_db_url):
    engine = make_engine(server_db_url)
    try:
        migrations.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_partial_unique_indexes_exist(server_db_url):
    engine = make_engine(server_db_url)
    try:
        migrations.upgrade(engine)
        names = {ix["name"] for ix in sa.inspect(engine).get_indexes("stays")}
        assert {"uq_stays_current_resident", "uq_stays_current_bed"} <= names
    finally:
        engine.dispose()
