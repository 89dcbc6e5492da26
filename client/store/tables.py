"""The terminal store's tables, declared once (SQLModel): ``meta``, ``records``,
``outbox`` and ``local_audit`` (what each holds: :mod:`client.store.database`).
Every part of the terminal reads them through the names here (``RECORDS``,
``OUTBOX`` …), re-exported by :mod:`client.store.database`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class StoreBase(SQLModel, registry=registry()):
    """Tables of the terminal's store, on their own metadata so they never mix
    with the server's tables when both live in one test process."""


class Meta(StoreBase, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str


class Record(StoreBase, table=True):
    __tablename__ = "records"
    __table_args__ = (
        sa.Index("ix_records_kind_sort", "kind", "live_status", "sort_key"),
        sa.Index("ix_records_parent", "parent_id", "kind"),
        # Only residents have a census state: the index holds only them. (It
        # held every record, and each of a pull's notes and hours paid for an
        # entry no list reads; a query naming census values implies the
        # condition, so its plans are unchanged.)
        sa.Index("ix_records_census", "kind", "census", "sort_key",
                 sqlite_where=sa.text("census IS NOT NULL")),
    )
    id: str = Field(primary_key=True)
    kind: str
    facility_id: str
    data: str | None = None
    versions: str = "{}"
    conflicts: str = "{}"
    status: str = "active"
    seq: int | None = None
    # computed from the server state with pending changes on top
    parent_id: str | None = None
    label: str = ""
    search_text: str = ""
    sort_key: str = ""
    census: str | None = None
    live_status: str = "active"
    pending: int = 0


class Outbox(StoreBase, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_status", "status", "seq"),
        sa.Index("ix_outbox_record", "record_id"),
        sa.Index("ix_outbox_subject", "subject_id"),
        # Each pulled page looks up the answered operations whose effect it
        # carries (server_seq in the page's range); without this index that was
        # a scan of every answered row a busy terminal keeps for 60 days.
        sa.Index("ix_outbox_answered", "status", "server_seq"),
    )
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    op_id: str = Field(unique=True)
    op_type: str
    kind: str | None = None
    record_id: str | None = None
    subject_id: str | None = None
    user_id: str
    recorded_at: int
    schema_version: int
    payload: bytes
    created_at: int
    status: str = "pending"
    reason: str | None = None
    detail: str | None = None
    server_seq: int | None = None
    flags: str = ""
    summary: str = ""


class LocalAudit(StoreBase, table=True):
    __tablename__ = "local_audit"
    id: int | None = Field(default=None, primary_key=True)
    at: int
    event: str
    user_id: str | None = None
    detail: str = "{}"


RETIRED_INDEXES = ("ix_records_kind_census",)
"""Indexes of older stores that a newer one replaced (``ix_records_census``)."""

META = Meta.__table__  # type: ignore[attr-defined]
RECORDS = Record.__table__  # type: ignore[attr-defined]
OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
AUDIT = LocalAudit.__table__  # type: ignore[attr-defined]
TABLES = [META, RECORDS, OUTBOX, AUDIT]
