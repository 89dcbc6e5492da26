"""The ``records`` indexes a row enters only when it has the value they look up.

Every record got an entry in ``(facility_id, match_key)``, ``(facility_id,
mrn)`` and ``(facility_id, kind, work_day)``, but only a resident has a match
key or a record number (and a duplicate-resident task its ``dup:`` key), and
only an hours entry a work day: a note, most of what a push writes, put three
NULL-keyed entries in indexes nothing reads them through. Each index is now
partial:

- ``match_key IS NOT NULL`` and ``mrn IS NOT NULL``: every query through them
  compares the column (``=``, ``IN``), which implies it is not NULL, so both
  SQLite and PostgreSQL still pick them.
- ``kind = 'hours'`` for the work days, now ``(facility_id, work_day)``: a
  report reads both the hours begun in its window and the ones with no work day
  (corrections, voids), so the NULLs of hours entries must stay indexed. The
  kind leaves the key (it is the same in every entry: PostgreSQL, seeing the
  query's kind implied by the index's condition, no longer used it to bound the
  scan, and walked the facility's every hours entry for a window). The
  report's query names the kind as this literal
  (:data:`server.storage.models.IS_HOURS`), not as a bound value: a prepared
  statement's generic plan on PostgreSQL could not use the index then (SQLite
  re-prepares for the bound value, but needs no such help with a literal).

The same for ``audit.actor``: it is read only to find an inspector's views
(``actor = 'inspector:…'``), the emergency accesses at a facility's terminals
(``emergency:<user>``) and their reviews (``portal:<account>``), but every entry
went in, a push's one per operation. It now holds only those actors' entries, a
condition those queries repeat word for word
(:data:`server.storage.models.LOOKED_UP_ACTOR`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

HAS_MATCH_KEY = sa.text("match_key IS NOT NULL")
HAS_MRN = sa.text("mrn IS NOT NULL")
IS_HOURS = sa.text("kind = 'hours'")
LOOKED_UP_ACTOR = sa.text("(actor LIKE 'inspector:%' OR actor LIKE 'emergency:%' "
                          "OR actor LIKE 'portal:%')")

_WAS = ("ix_records_facility_id_kind_work_day", ["facility_id", "kind", "work_day"])
_NOW = ("ix_records_facility_id_work_day", ["facility_id", "work_day"])
_PARTIAL = (("ix_records_facility_id_match_key", ["facility_id", "match_key"], HAS_MATCH_KEY),
            ("ix_records_facility_id_mrn", ["facility_id", "mrn"], HAS_MRN))


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        for name, columns, where in _PARTIAL:
            batch.drop_index(name)
            batch.create_index(name, columns, sqlite_where=where, postgresql_where=where)
        batch.drop_index(_WAS[0])
        batch.create_index(*_NOW, sqlite_where=IS_HOURS, postgresql_where=IS_HOURS)
    with op.batch_alter_table("audit") as batch:
        batch.drop_index("ix_audit_actor")
        batch.create_index("ix_audit_actor", ["actor"], sqlite_where=LOOKED_UP_ACTOR,
                           postgresql_where=LOOKED_UP_ACTOR)


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_index("ix_audit_actor")
        batch.create_index("ix_audit_actor", ["actor"])
    with op.batch_alter_table("records") as batch:
        batch.drop_index(_NOW[0])
        batch.create_index(*_WAS)
        for name, columns, _where in _PARTIAL:
            batch.drop_index(name)
            batch.create_index(name, columns)
