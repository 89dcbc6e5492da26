"""Indexes for the look-ups every push makes by operation id and by resident.

- ``ops.op_id``: the clone review refuses to apply an operation the server
  already handled, found by its id; without an index that read every stored
  result.
- ``quarantined_ops.op_id``: each push asks whether any of its operations was
  decided at a clone review, or arrived again after one (``decided_at_review``,
  ``mark_resent``), by operation id.
- ``stays.resident_id``: a note that names no stay is filed under its
  resident's last one, so a push reads the stays of its notes' residents, and a
  stay command looks up the resident's current stay. The two partial unique
  indexes on ``stays`` cover only current stays, so both reads scanned the
  whole table, which grows by a stay per admission.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ops") as batch:
        batch.create_index("ix_ops_op_id", ["op_id"])
    with op.batch_alter_table("quarantined_ops") as batch:
        batch.create_index("ix_quarantined_ops_op_id", ["op_id"])
    with op.batch_alter_table("stays") as batch:
        batch.create_index("ix_stays_resident_id", ["resident_id"])


def downgrade() -> None:
    with op.batch_alter_table("stays") as batch:
        batch.drop_index("ix_stays_resident_id")
    with op.batch_alter_table("quarantined_ops") as batch:
        batch.drop_index("ix_quarantined_ops_op_id")
    with op.batch_alter_table("ops") as batch:
        batch.drop_index("ix_ops_op_id")
