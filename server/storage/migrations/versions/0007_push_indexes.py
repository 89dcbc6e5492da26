"""Indexes the push path reads through, and none it only writes.

- ``records``: a staff member's or resident's records are looked up by subject,
  facility and kind (an hours entry reads its staff member's applicant records).
  With only ``subject_id`` indexed that read scanned every earlier hours entry of
  the staff member, so push slowed as the data grew. One index on
  ``(subject_id, facility_id, kind)`` replaces the one on ``subject_id`` (it
  serves every read the old one did).
- ``ops``: ``target_id`` is read only to find a *rejected* create (a later
  operation that depends on it is rejected ``dependency``). Indexing only the
  rejected rows spares every applied create an index entry.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None

REJECTED = sa.text("status = 'rejected'")


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_index("ix_records_subject_id")
        batch.create_index("ix_records_subject_id_facility_id_kind",
                           ["subject_id", "facility_id", "kind"])
    with op.batch_alter_table("ops") as batch:
        batch.drop_index("ix_ops_target_id")
        batch.create_index("ix_ops_target_id", ["target_id"], sqlite_where=REJECTED,
                           postgresql_where=REJECTED)


def downgrade() -> None:
    with op.batch_alter_table("ops") as batch:
        batch.drop_index("ix_ops_target_id")
        batch.create_index("ix_ops_target_id", ["target_id"])
    with op.batch_alter_table("records") as batch:
        batch.drop_index("ix_records_subject_id_facility_id_kind")
        batch.create_index("ix_records_subject_id", ["subject_id"])
