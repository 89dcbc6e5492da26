"""The audit's Merkle trees and checkpoints, the audit made insert-only, and
the portal's tables (accounts, regions, sign-in throttles, inspector accesses).

Existing audit entries get their tree on upgrade: each chain's nodes are
computed from its entries, in order, a page at a time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from protocol.audit_log import entry_bytes
from protocol.merkle import leaf_hash, node_hash

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(64)
APPEND_ONLY = ("audit", "audit_nodes", "audit_checkpoints")
PAGE = 4096


def upgrade() -> None:
    op.create_table(
        "audit_nodes",
        sa.Column("chain", ID, nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("chain", "level", "idx", name=op.f("pk_audit_nodes")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("chain", ID, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("published_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain", "size", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index(op.f("ix_audit_actor"), "audit", ["actor"])
    _portal_tables()
    _backfill_trees()
    _append_only()


def _portal_tables() -> None:
    op.create_table(
        "portal_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_generation", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("role IN ('administrator', 'regional_manager')",
                           name=op.f("ck_portal_accounts_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_portal_accounts_username")),
    )
    op.create_table(
        "account_facilities",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["portal_accounts.id"],
                                name=op.f("fk_account_facilities_account_id_portal_accounts")),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_account_facilities_facility_id_facilities")),
        sa.PrimaryKeyConstraint("account_id", "facility_id", name=op.f("pk_account_facilities")),
    )
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("blocked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_table(
        "inspector_accesses",
        sa.Column("id", ID, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("inspector_name", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("issued_by", ID, nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("not_before", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("redeemed_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_by", ID, nullable=True),
        sa.Column("code_failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["issued_by"], ["portal_accounts.id"],
                                name=op.f("fk_inspector_accesses_issued_by_portal_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector_accesses")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_inspector_accesses_token_hash")),
    )
    op.create_table(
        "inspector_access_facilities",
        sa.Column("access_id", ID, nullable=False),
        sa.Column("facility_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["access_id"], ["inspector_accesses.id"],
            name=op.f("fk_inspector_access_facilities_access_id_inspector_accesses")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"],
            name=op.f("fk_inspector_access_facilities_facility_id_facilities")),
        sa.PrimaryKeyConstraint("access_id", "facility_id",
                                name=op.f("pk_inspector_access_facilities")),
    )


_AUDIT = sa.table("audit", *(sa.column(name) for name in (
    "chain", "seq", "at", "actor", "terminal_id", "facility_id", "action", "target",
    "outcome", "purpose")), sa.column("detail", sa.JSON))
_NODES = sa.table("audit_nodes", sa.column("chain"), sa.column("level"), sa.column("idx"),
                  sa.column("hash", sa.LargeBinary))


def _backfill_trees() -> None:
    """Compute the tree of every chain that has entries (RFC 9162 hashing)."""
    bind = op.get_bind()
    chains = [row[0] for row in bind.execute(sa.select(_AUDIT.c.chain).distinct())]
    for chain in chains:
        stack: list[tuple[int, bytes]] = []
        size, after = 0, 0
        while True:
            rows = bind.execute(sa.select(_AUDIT).where(_AUDIT.c.chain == chain,
                                                        _AUDIT.c.seq > after)
                                .order_by(_AUDIT.c.seq).limit(PAGE)).all()
            nodes = []
            for row in rows:
                leaf = leaf_hash(entry_bytes(row._asdict()))
                nodes.append({"chain": chain, "level": 0, "idx": size, "hash": leaf})
                size += 1
                stack.append((0, leaf))
                while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
                    (level, right), (_, left) = stack.pop(), stack.pop()
                    stack.append((level + 1, node_hash(left, right)))
                    nodes.append({"chain": chain, "level": level + 1,
                                  "idx": (size >> (level + 1)) - 1, "hash": stack[-1][1]})
            if nodes:
                bind.execute(sa.insert(_NODES), nodes)
            if len(rows) < PAGE:
                break
            after = rows[-1].seq


def _append_only() -> None:
    """Entries, tree nodes and checkpoints can be added, never changed or removed
    (by the server's own connection; a database owner can drop the triggers,
    which is what the Merkle checkpoints held outside are for)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION chartkeep_append_only() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN "
                   "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "
                       f"{table} FOR EACH ROW EXECUTE FUNCTION chartkeep_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION chartkeep_append_only()")
        return
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON "
                       f"{table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS chartkeep_append_only()")
    else:
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
    for table in ("inspector_access_facilities", "inspector_accesses", "sign_in_throttles",
                  "account_facilities", "portal_accounts"):
        op.drop_table(table)
    op.drop_index(op.f("ix_audit_actor"), table_name="audit")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_nodes")
