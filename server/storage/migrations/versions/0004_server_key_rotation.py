"""Server key rotation: each key after the first keeps the previous key's
signature announcing it (``server_keys.announcement``). The private keys have
left the database (``private_key`` is empty; server/storage/keys.py).

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("server_keys") as batch:
        batch.add_column(sa.Column("announcement", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("server_keys") as batch:
        batch.drop_column("announcement")
