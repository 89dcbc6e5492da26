"""The regional dashboard's figures per facility, and each terminal's last pull.

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "facility_figures",
        sa.Column("facility_id", ID, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("chart", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_facility_figures_facility_id_facilities")),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_facility_figures")),
    )
    op.create_table(
        "terminal_pulls",
        sa.Column("terminal_id", ID, nullable=False),
        sa.Column("last_pull_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"],
                                name=op.f("fk_terminal_pulls_terminal_id_terminals")),
        sa.PrimaryKeyConstraint("terminal_id", name=op.f("pk_terminal_pulls")),
    )


def downgrade() -> None:
    op.drop_table("terminal_pulls")
    op.drop_table("facility_figures")
