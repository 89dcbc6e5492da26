"""The regional dashboard's tables: each facility's figures as last computed
(so a page of fifty facilities reads fifty rows instead of computing fifty
reports), and when each terminal last pulled.

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


class TerminalPull(ServerTable, table=True):
    __tablename__ = "terminal_pulls"
    terminal_id: str = Field(primary_key=True, foreign_key="terminals.id", sa_type=ID)
    last_pull_at: int = Field(sa_type=sa.BigInteger)


class DashboardTables:
    figures: ClassVar[sa.Table] = FacilityFigures.__table__  # type: ignore[attr-defined]
    pulls: ClassVar[sa.Table] = TerminalPull.__table__  # type: ignore[attr-defined]


D = DashboardTables
