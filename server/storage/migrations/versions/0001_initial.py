"""Initial schema: reference data, stays with their invariants, records and
their change log, per-terminal operation results, the audit hash chains.

Revision ID: 0001
Revises:
Create Date: 2025-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
CURRENT = "status IN ('active', 'on_leave')"
CURRENT_WITH_BED = "status IN ('active', 'on_leave') AND bed_id IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "facilities",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("state_code", sa.String(2), nullable=False),
        sa.Column("mrn_prefix", sa.String(12), nullable=False),
        sa.Column("mrn_next", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
    )
    op.create_table(
        "units",
        sa.Column("id", ID, nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_units_facility_id_facilities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("facility_id", "name", name=op.f("uq_units_facility_id_name")),
    )
    op.create_index(op.f("ix_units_facility_id"), "units", ["facility_id"])
    op.create_table(
        "beds",
        sa.Column("id", ID, nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("unit_id", ID, nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_beds_facility_id_facilities")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_beds_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beds")),
        sa.UniqueConstraint("unit_id", "label", name=op.f("uq_beds_unit_id_label")),
    )
    op.create_index(op.f("ix_beds_facility_id"), "beds", ["facility_id"])
    op.create_table(
        "users",
        sa.Column("id", ID, nullable=False),
        sa.Column("facility_id", ID, nullable=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_users_facility_id_facilities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_facility_id"), "users", ["facility_id"])
    op.create_table(
        "terminals",
        sa.Column("id", ID, nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("enrolled_by", ID, nullable=False),
        sa.Column("enrolled_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_msg_ctr", sa.BigInteger(), nullable=False),
        sa.Column("mrn_start", sa.BigInteger(), nullable=False),
        sa.Column("mrn_next", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_terminals_facility_id_facilities")),
        sa.ForeignKeyConstraint(["enrolled_by"], ["users.id"],
                                name=op.f("fk_terminals_enrolled_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminals")),
    )
    op.create_index(op.f("ix_terminals_facility_id"), "terminals", ["facility_id"])
    op.create_table(
        "enrollment_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.Column("terminal_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_enrollment_codes_facility_id_facilities")),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_enrollment_codes")),
    )
    op.create_table(
        "records",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_hash", sa.String(64), nullable=True),
        sa.Column("match_key", sa.String(250), nullable=True),
        sa.Column("subject_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
    )
    op.create_index(op.f("ix_records_facility_id_kind"), "records", ["facility_id", "kind"])
    op.create_index(op.f("ix_records_facility_id_match_key"), "records",
                    ["facility_id", "match_key"])
    op.create_index(op.f("ix_records_subject_id"), "records", ["subject_id"])
    op.create_table(
        "stays",
        sa.Column("id", ID, nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("bed_id", ID, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.CheckConstraint("status IN ('active', 'on_leave', 'discharged', 'transferred')",
                           name=op.f("ck_stays_status")),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_stays_facility_id_facilities")),
        sa.ForeignKeyConstraint(["bed_id"], ["beds.id"], name=op.f("fk_stays_bed_id_beds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stays")),
    )
    op.create_index(op.f("ix_stays_facility_id"), "stays", ["facility_id"])
    # The invariants themselves: one current stay per resident, one per bed.
    op.create_index("uq_stays_current_resident", "stays", ["resident_id"], unique=True,
                    sqlite_where=sa.text(CURRENT), postgresql_where=sa.text(CURRENT))
    op.create_index("uq_stays_current_bed", "stays", ["bed_id"], unique=True,
                    sqlite_where=sa.text(CURRENT_WITH_BED),
                    postgresql_where=sa.text(CURRENT_WITH_BED))
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("from_facility_id", ID, nullable=False),
        sa.Column("to_facility_id", ID, nullable=False),
        sa.Column("stay_id", ID, nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
    )
    op.create_index(op.f("ix_transfers_resident_id_from_facility_id"), "transfers",
                    ["resident_id", "from_facility_id"])
    op.create_table(
        "changes",
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_id", ID, nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("facility_id", "seq", name=op.f("pk_changes")),
    )
    op.create_table(
        "ops",
        sa.Column("terminal_id", ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("op_id", ID, nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("server_seq", sa.BigInteger(), nullable=True),
        sa.Column("flags", sa.String(200), nullable=False),
        sa.Column("held_op", sa.LargeBinary(), nullable=True),
        sa.Column("handled_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("terminal_id", "seq", name=op.f("pk_ops")),
    )
    op.create_table(
        "facility_heads",
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_head", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_facility_heads")),
    )
    op.create_table(
        "audit",
        sa.Column("chain", ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("terminal_id", sa.String(64), nullable=True),
        sa.Column("facility_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq", name=op.f("pk_audit")),
    )
    op.create_table(
        "server_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("private_key", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_keys")),
    )
    # Events tied to no facility (unknown senders, bad signatures) chain here.
    op.execute("INSERT INTO facility_heads (facility_id, change_seq, audit_seq, audit_head) "
               "VALUES ('_system', 0, 0, '')")


def downgrade() -> None:
    for table in ("server_keys", "audit", "facility_heads", "ops", "changes", "transfers",
                  "stays", "records", "enrollment_codes", "terminals", "users", "beds",
                  "units", "facilities"):
        op.drop_table(table)
