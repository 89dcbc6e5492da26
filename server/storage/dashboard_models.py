"""The regional dashboard's tables: each facility's figures as last computed
(so a page of fifty facilities reads fifty rows instead of computing fifty
reports), how far their audit check has verified each facility's chain, and
when each terminal last pulled.

Server processes keep no state of their own (docs/architecture.md): any
process refreshes the figures of a facility whose records changed since, or
whose figures are of an earlier day, and every process reads the same rows.
"""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from .models import ID, ServerTable


class FacilityFigures(ServerTable, table=True):
    __tablename__ = "facility_figures"
    facility_id: str = Field(primary_key=True, foreign_key="facilities.id", sa_type=ID)
    day: str = Field(sa_type=sa.String(10))
    """The facility day the figures are of (``YYYY-MM-DD``)."""
    change_seq: int = Field(sa_type=sa.BigInteger)
    """The facility's change sequence when they were computed: behind it, stale."""
    computed_at: int = Field(sa_type=sa.BigInteger)
    figures: str = Field(sa_type=sa.Text)
    """JSON: census, occupancy, staffing, licenses, MDS, audit state."""
    chart: str = Field(sa_type=sa.Text)
    """The 14-day staffing trend as SVG."""


class AuditVerified(ServerTable, table=True):
    """How far the dashboard has verified a facility's audit chain, so its next
    check starts there (:func:`server.storage.audit_verify.verify_chain_since`):
    the size verified, the hash of that last entry, and the Merkle tree's
    frontier and root at that size, as the dashboard computed them from the
    entries themselves (never copied from the stored nodes). Not an audit table:
    it is replaced at every check; losing it costs one full check."""

    __tablename__ = "audit_verified"
    chain: str = Field(primary_key=True, foreign_key="facilities.id", sa_type=ID)
    size: int = Field(sa_type=sa.BigInteger)
    head: str = Field(sa_type=sa.String(64))
    """The hash (hex) of entry ``size``; empty at size 0."""
    root: bytes = Field(sa_type=sa.LargeBinary)
    frontier: bytes = Field(sa_type=sa.LargeBinary)
    """The complete subtrees of the tree of ``size`` leaves, largest first: 32
    bytes each, one per set bit of ``size``."""
    verified_at: int = Field(sa_type=sa.BigInteger)
    """When the last check of every entry ran (the checks between carry it on):
    a day later the dashboard checks every entry again."""


class TerminalPull(ServerTable, table=True):
    __tablename__ = "terminal_pulls"
    terminal_id: str = Field(primary_key=True, foreign_key="terminals.id", sa_type=ID)
    last_pull_at: int = Field(sa_type=sa.BigInteger)


class DashboardTables:
    figures: ClassVar[sa.Table] = FacilityFigures.__table__  # type: ignore[attr-defined]
    pulls: ClassVar[sa.Table] = TerminalPull.__table__  # type: ignore[attr-defined]
    verified: ClassVar[sa.Table] = AuditVerified.__table__  # type: ignore[attr-defined]


D = DashboardTables
