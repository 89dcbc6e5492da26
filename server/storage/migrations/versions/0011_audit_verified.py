"""How far the dashboard has verified each facility's audit chain.

The dashboard's figures say whether a facility's audit log verifies. Checking
the whole chain at every refresh cost the refresh nearly all its time (51–65 s
of CPU at 500,000 operations); ``audit_verified`` keeps the size, last hash,
Merkle frontier and root verified, so the next check reads only the entries
appended since (:func:`server.storage.audit_verify.verify_chain_since`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "audit_verified",
        sa.Column("chain", ID, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.Column("verified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["chain"], ["facilities.id"],
                                name=op.f("fk_audit_verified_chain_facilities")),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_verified")),
    )


def downgrade() -> None:
    op.drop_table("audit_verified")
