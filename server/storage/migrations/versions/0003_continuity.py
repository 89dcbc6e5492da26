"""Continuity across restores, clones and version changes: the change log's
generations, per-terminal high-water marks (pull cursor, record numbers used,
numbering epoch), quarantine of a cloned identity and the operations held from
it, the record a create made (for ``dependency`` rejections), and residents'
record numbers as a column (a duplicate number in a facility is refused).

An existing server gets a first generation on upgrade.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import secrets
import time

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "log_generations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_generations")),
    )
    op.create_table(
        "quarantined_ops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terminal_id", ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("op_id", ID, nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("op", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("review", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_ops")),
    )
    op.create_index(op.f("ix_quarantined_ops_terminal_id_seq"), "quarantined_ops",
                    ["terminal_id", "seq"])
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("mrn_used", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("last_cursor", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("quarantined_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("quarantine_reason", sa.String(200), nullable=True))
    with op.batch_alter_table("ops") as batch:
        batch.add_column(sa.Column("target_id", ID, nullable=True))
        batch.add_column(sa.Column("depends_on", ID, nullable=True))
        batch.create_index(batch.f("ix_ops_target_id"), ["target_id"])
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("mrn", sa.String(40), nullable=True))
        batch.create_index(batch.f("ix_records_facility_id_mrn"), ["facility_id", "mrn"])
    # Models carry no server defaults: drop them once existing rows are filled.
    with op.batch_alter_table("terminals") as batch:
        for column in ("mrn_used", "last_cursor", "epoch"):
            batch.alter_column(column, server_default=None)
    _backfill_mrns()
    op.get_bind().execute(sa.text(
        "INSERT INTO log_generations (id, started_at, reason, detail) "
        "VALUES (:id, :at, 'init', 'first generation, made on upgrade')"),
        {"id": secrets.token_hex(16), "at": int(time.time() * 1000)})


def _backfill_mrns() -> None:
    conn = op.get_bind()
    records = sa.table("records", sa.column("id", ID), sa.column("kind", sa.String(16)),
                       sa.column("data", sa.JSON), sa.column("mrn", sa.String(40)))
    rows = conn.execute(sa.select(records.c.id, records.c.data)
                        .where(records.c.kind == "resident")).all()
    updates = [{"b_id": row.id, "mrn": (row.data or {}).get("mrn")} for row in rows
               if isinstance(row.data, dict) and (row.data or {}).get("mrn")]
    if updates:
        conn.execute(records.update().where(records.c.id == sa.bindparam("b_id"))
                     .values(mrn=sa.bindparam("mrn")), updates)


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_index(batch.f("ix_records_facility_id_mrn"))
        batch.drop_column("mrn")
    with op.batch_alter_table("ops") as batch:
        batch.drop_index(batch.f("ix_ops_target_id"))
        batch.drop_column("depends_on")
        batch.drop_column("target_id")
    with op.batch_alter_table("terminals") as batch:
        for column in ("quarantine_reason", "quarantined_at", "epoch", "last_cursor",
                       "mrn_used"):
            batch.drop_column(column)
    op.drop_index(op.f("ix_quarantined_ops_terminal_id_seq"), table_name="quarantined_ops")
    op.drop_table("quarantined_ops")
    op.drop_table("log_generations")
