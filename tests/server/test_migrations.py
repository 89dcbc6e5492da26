import hashlib

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.storage import migrations
from server.storage.db import make_engine
from server.storage.models import metadata

HEAD = "0011"


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


def test_0008_indexes_a_populated_0007_database(server_db_url):
    """The look-up indexes are added to a server that already holds results,
    kept operations and stays, which stay as they were; and taken off again."""
    from server.storage.continuity_models import C
    from server.storage.models import T

    engine = make_engine(server_db_url)
    added = {"ops": "ix_ops_op_id", "quarantined_ops": "ix_quarantined_ops_op_id",
             "stays": "ix_stays_resident_id"}

    def indexes(table: str) -> set[str]:
        return {ix["name"] for ix in sa.inspect(engine).get_indexes(table)}

    def contents() -> list[list[tuple[object, ...]]]:
        with engine.connect() as conn:
            return [[tuple(row) for row in conn.execute(
                sa.select(table).order_by(*table.primary_key))]
                for table in (T.ops, C.quarantined, T.stays)]

    try:
        migrations.upgrade(engine, "0007")
        with engine.begin() as conn:
            conn.execute(sa.insert(T.facilities).values(
                id="F1", name="Maple Grove", state_code="OH", mrn_prefix="MG", created_at=1))
            conn.execute(sa.insert(T.ops), [
                {"terminal_id": "T1", "seq": seq, "op_id": f"OP{seq:04d}", "payload_hash": "h",
                 "status": "applied", "flags": "", "handled_at": seq} for seq in range(1, 301)])
            conn.execute(sa.insert(C.quarantined), [
                {"terminal_id": "T2", "seq": seq, "op_id": f"Q{seq:04d}", "payload_hash": "h",
                 "op": b"\x80", "received_at": seq, "origin": "epoch 0", "review": "open"}
                for seq in range(1, 21)])
            conn.execute(sa.insert(T.stays), [
                {"id": f"S{i:03d}", "facility_id": "F1", "resident_id": f"R{i % 40:03d}",
                 "status": "active" if i < 40 else "discharged"} for i in range(120)])
        before = contents()
        assert not any(name in indexes(table) for table, name in added.items())
        migrations.upgrade(engine)
        assert migrations.current(engine) == HEAD
        assert all(name in indexes(table) for table, name in added.items())
        assert contents() == before
        migrations.downgrade(engine, "0007")
        assert not any(name in indexes(table) for table, name in added.items())
        assert contents() == before
        migrations.upgrade(engine)
        assert all(name in indexes(table) for table, name in added.items())
    finally:
        engine.dispose()


def test_0009_dates_the_hours_and_the_last_change_of_a_populated_0008_database(server_db_url):
    """Existing hours entries get the day they began (none for a correction, a void
    or an unreadable date), and each facility the time of its last applied change
    (an export or an inspector's view after it is no change); and back again."""
    import json

    engine = make_engine(server_db_url)
    records = sa.table("records", sa.column("id"), sa.column("kind"), sa.column("facility_id"),
                       sa.column("data", sa.JSON), sa.column("versions", sa.JSON),
                       sa.column("conflicts", sa.JSON), sa.column("status"), sa.column("seq"))
    heads = sa.table("facility_heads", sa.column("facility_id"), sa.column("change_seq"),
                     sa.column("audit_seq"), sa.column("audit_head"))
    audit = sa.table("audit", sa.column("chain"), sa.column("seq"), sa.column("at"),
                     sa.column("action"), sa.column("outcome"), sa.column("purpose"),
                     sa.column("detail", sa.JSON), sa.column("prev_hash"), sa.column("hash"))
    hours = {
        "H1": ({"staff_id": "S", "work_date": "2026-07-31", "clock_in": "2026-07-31T23:00",
                "clock_out": "2026-08-01T07:00"}, "2026-07-31"),
        "H2": ({"staff_id": "S", "work_date": "2026-08-02"}, "2026-08-02"),
        "H3": ({"staff_id": "S", "work_date": "2026-10-15", "corrects": "H2"}, None),
        "H4": ({"staff_id": "S", "work_date": "2024-01-02", "entered_in_error_of": "H1"}, None),
        "H5": ({"staff_id": "S", "work_date": "not a date"}, None),
    }
    try:
        migrations.upgrade(engine, "0008")
        with engine.begin() as conn:
            conn.execute(sa.insert(heads), [
                {"facility_id": f, "change_seq": 1, "audit_seq": 0, "audit_head": ""}
                for f in ("F1", "F2")])
            conn.execute(sa.insert(records), [
                {"id": rid, "kind": "hours", "facility_id": "F1", "data": data, "versions": {},
                 "conflicts": {}, "status": "active", "seq": 1}
                for rid, (data, _) in hours.items()] + [
                {"id": "R1", "kind": "resident", "facility_id": "F1",
                 "data": {"work_date": "2026-01-01"}, "versions": {}, "conflicts": {},
                 "status": "active", "seq": 1}])
            conn.execute(sa.insert(audit), [
                {"chain": "F1", "seq": seq, "at": at, "action": action, "outcome": outcome,
                 "purpose": "operations", "detail": {}, "prev_hash": "", "hash": str(seq)}
                for seq, (at, action, outcome) in enumerate([
                    (1_000, "create:hours", "applied"), (2_000, "create:resident", "applied"),
                    (3_000, "update:resident", "conflict"), (4_000, "admin:export", "applied"),
                    (5_000, "report:download", "applied"), (6_000, "inspect:view", "applied"),
                ], start=1)])
        migrations.upgrade(engine)
        with engine.connect() as conn:
            days = dict(conn.execute(sa.text("SELECT id, work_day FROM records")).all())
            changed = dict(conn.execute(sa.text(
                "SELECT facility_id, changed_at FROM facility_heads")).all())
            kept = {rid: json.loads(text) for rid, text in conn.execute(sa.text(
                "SELECT id, CAST(data AS TEXT) FROM records")).all()}
        assert days == {"R1": None} | {rid: day for rid, (_, day) in hours.items()}
        assert changed == {"F1": 2_000, "F2": None, "_system": None}
        assert kept == {"R1": {"work_date": "2026-01-01"}} | {
            rid: data for rid, (data, _) in hours.items()}
        migrations.downgrade(engine, "0008")
        assert "work_day" not in {c["name"] for c in sa.inspect(engine).get_columns("records")}
        assert "changed_at" not in {c["name"] for c in
                                    sa.inspect(engine).get_columns("facility_heads")}
        migrations.upgrade(engine)
        assert migrations.current(engine) == HEAD
    finally:
        engine.dispose()
