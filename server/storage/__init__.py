"""Storage: the tables, engines and transactions, the schema's migrations, the
audit hash chains and the server's signing key.

:mod:`.models`      the tables (SQLModel), with ``T`` for Core statements
:mod:`.db`          engines for SQLite and PostgreSQL, read and write transactions,
                    facility head locks, bulk inserts
:mod:`.batch`       one write transaction's working set: records in memory, the
                    change log and audit entries written in bulk at the end
:mod:`.audit`       the append-only, hash-chained audit log
:mod:`.audit_tree`  each chain's Merkle tree: appending, roots and proofs from stored nodes
:mod:`.checkpoints` signed checkpoints of every chain, published by any process
:mod:`.audit_verify` the verifier: chains, trees, history against checkpoints
:mod:`.merkle_models`, :mod:`.portal_models`, :mod:`.dashboard_models`
                    the tables of the trees, the portal and its dashboard
:mod:`.keys`        the server's Ed25519 key, kept in the database
:mod:`.migrations`  the Alembic tree (upgrade, downgrade)

Nothing here knows HTTP, and nothing here decides what an operation means: that
is :mod:`server.commands`.
"""
