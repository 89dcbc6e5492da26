"""What a report needs outside the records' snapshots: the day each hours entry
began, and when each facility's records last changed.

- ``records.work_day`` (indexed with the facility and kind): a staffing report
  for one quarter read and decoded every hours entry of the facility's history,
  then kept the quarter's. The day is
  :func:`protocol.reports.facts.hours_begin_day`'s: the clock-in's day, else the
  work date; none for a correction or a void (a report reads those whatever
  their date, since they change another entry) or an entry without a readable
  date. Existing hours entries get it here, from their snapshots.
- ``facility_heads.changed_at``: the reports' "data as of" was the newest entry
  of the facility's audit chain, which may be a read (a report written, an
  inspector's view). The push path now sets it with the change sequence. Here
  it is the newest audit entry that records an applied change, so an export or
  a view is not taken for one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from protocol.reports.facts import hours_begin_day

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

READS = ("admin:export", "report:produce", "report:download", "inspect:view",
         "inspect:refused", "inspect:write_refused", "admin:issue_code")
"""Applied audit entries that change no record: they do not date the data."""

_CHUNK = 5000


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("work_day", sa.String(10), nullable=True))
        batch.create_index("ix_records_facility_id_kind_work_day",
                           ["facility_id", "kind", "work_day"])
    with op.batch_alter_table("facility_heads") as batch:
        batch.add_column(sa.Column("changed_at", sa.BigInteger(), nullable=True))
    conn = op.get_bind()
    _work_days(conn)
    _changed_at(conn)


def _work_days(conn: sa.Connection) -> None:
    """Each hours entry's day, a page of entries at a time (by id: a server holds
    years of hours, more than one read should hold in memory)."""
    records = sa.table("records", sa.column("id", sa.String), sa.column("kind", sa.String),
                       sa.column("data", sa.Text), sa.column("work_day", sa.String))
    page = (sa.select(records.c.id, sa.cast(records.c.data, sa.Text))
            .where(records.c.kind == "hours", records.c.id > sa.bindparam("after"))
            .order_by(records.c.id).limit(_CHUNK))
    update = (sa.update(records).where(records.c.id == sa.bindparam("rid"))
              .values(work_day=sa.bindparam("day")))
    after = ""
    while rows := conn.execute(page, {"after": after}).all():
        after = rows[-1][0]
        days = []
        for rec_id, text in rows:
            data = json.loads(text) if text else None
            day = hours_begin_day(data) if isinstance(data, dict) else None
            if day is not None:
                days.append({"rid": rec_id, "day": day})
        if days:
            conn.execute(update, days)


def _changed_at(conn: sa.Connection) -> None:
    heads = sa.table("facility_heads", sa.column("facility_id", sa.String),
                     sa.column("changed_at", sa.BigInteger))
    audit = sa.table("audit", sa.column("chain", sa.String), sa.column("at", sa.BigInteger),
                     sa.column("action", sa.String), sa.column("outcome", sa.String))
    newest = (sa.select(sa.func.max(audit.c.at))
              .where(audit.c.chain == heads.c.facility_id, audit.c.outcome == "applied",
                     audit.c.action.not_in(READS))
              .scalar_subquery())
    conn.execute(sa.update(heads).values(changed_at=newest))


def downgrade() -> None:
    with op.batch_alter_table("facility_heads") as batch:
        batch.drop_column("changed_at")
    with op.batch_alter_table("records") as batch:
        batch.drop_index("ix_records_facility_id_kind_work_day")
        batch.drop_column("work_day")
