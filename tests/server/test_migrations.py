import hashlib

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.storage import migrations
from server.storage.db import make_engine
from server.storage.models import metadata

HEAD = "0007"


def test_upgrade_downgrade_upgrade(server_db_url):
    engine = make_engine(server_db_url)
    try:
        migrations.upgrade(engine)
        assert migrations.current(engine) == HEAD
        migrations.downgrade(engine)
        assert migrations.current(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert migrations.current(engine) == HEAD
        tables = set(sa.inspect(engine).get_table_names())
        assert {"records", "changes", "ops", "audit", "stays", "facility_heads",
                "audit_nodes", "audit_checkpoints", "portal_accounts",
                "inspector_accesses"} <= tables
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


def test_upgrade_builds_the_trees_of_an_existing_audit(server_db_url):
    """A server upgraded from 0001 has audit entries and no tree: the migration
    computes every chain's nodes, and the log then verifies as one built live."""
    from protocol.audit_log import entry_bytes, entry_leaf
    from protocol.merkle import root_of
    from server.storage.audit_tree import TreeReader
    from server.storage.audit_verify import verify_audit
    from server.storage.models import T

    engine = make_engine(server_db_url)
    try:
        migrations.upgrade(engine, "0001")
        prev, entries = "", []
        for seq in range(1, 38):
            entry = {"chain": "_system", "seq": seq, "at": seq, "actor": None,
                     "terminal_id": None, "facility_id": None, "action": "auth:rejected",
                     "target": None, "outcome": "bad_signature", "purpose": "security",
                     "detail": {"n": seq, "why": ["x", {"b": 1, "a": 2}]}}
            digest = hashlib.sha256(prev.encode() + entry_bytes(entry)).hexdigest()
            entries.append({**entry, "prev_hash": prev, "hash": digest})
            prev = digest
        with engine.begin() as conn:
            conn.execute(sa.insert(T.audit), entries)
            conn.execute(sa.update(T.heads).where(T.heads.c.facility_id == "_system")
                         .values(audit_seq=len(entries), audit_head=prev))
        migrations.upgrade(engine)
        with engine.connect() as conn:
            assert TreeReader(conn, "_system").root(37) == root_of(
                [entry_leaf(e) for e in entries])
            assert verify_audit(conn) is None
    finally:
        engine.dispose()
