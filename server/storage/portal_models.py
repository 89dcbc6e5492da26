"""The portal's tables: accounts of administrators and regional managers,
each manager's region, sign-in throttles, and inspector accesses.

Secrets are kept only as hashes: account passwords (Argon2id PHC strings),
the one-time link of an inspector access (SHA-256 of a 256-bit token) and its
code (SHA-256 bound to the token, so the code is worthless without the link,
which is never stored). The TOTP secret must be readable to check a code, so
it is stored as issued, like the server's signing key (docs/architecture.md,
"not yet built": encryption of server secrets at rest).
"""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from .models import ID, ServerTable


class PortalAccount(ServerTable, table=True):
    __tablename__ = "portal_accounts"
    __table_args__ = (sa.CheckConstraint("role IN ('administrator', 'regional_manager')",
                                         name="role"),)
    id: str = Field(primary_key=True, sa_type=ID)
    username: str = Field(unique=True, sa_type=sa.String(100))
    role: str = Field(sa_type=sa.String(32))
    display_name: str = Field(sa_type=sa.String(200))
    password_hash: str = Field(sa_type=sa.String(300))
    totp_secret: str | None = Field(default=None, sa_type=sa.String(64))
    """``None`` until the account holder enrols (at the next sign-in)."""
    totp_last_step: int = Field(default=0, sa_type=sa.BigInteger)
    """The 30-second step of the last code accepted: a code is good once."""
    active: bool = Field(default=True)
    session_generation: int = Field(default=0, sa_type=sa.BigInteger)
    """Raised by "sign out everywhere": sessions of an older generation end."""
    created_at: int = Field(sa_type=sa.BigInteger)


class AccountFacility(ServerTable, table=True):
    """A regional manager's region: the facilities they may see and manage."""

    __tablename__ = "account_facilities"
    account_id: str = Field(primary_key=True, foreign_key="portal_accounts.id", sa_type=ID)
    facility_id: str = Field(primary_key=True, foreign_key="facilities.id", sa_type=ID)


class SignInThrottle(ServerTable, table=True):
    """Failed sign-ins per account name and per source address, in a window."""

    __tablename__ = "sign_in_throttles"
    key: str = Field(primary_key=True, sa_type=sa.String(200))
    failures: int = Field(default=0, sa_type=sa.Integer)
    window_start: int = Field(sa_type=sa.BigInteger)
    blocked_until: int = Field(default=0, sa_type=sa.BigInteger)


class InspectorAccess(ServerTable, table=True):
    __tablename__ = "inspector_accesses"
    id: str = Field(primary_key=True, sa_type=ID)
    token_hash: str = Field(unique=True, sa_type=sa.String(64))
    code_hash: str = Field(sa_type=sa.String(64))
    inspector_name: str = Field(sa_type=sa.String(200))
    agency: str = Field(sa_type=sa.String(200))
    purpose: str = Field(sa_type=sa.String(500))
    issued_by: str = Field(foreign_key="portal_accounts.id", sa_type=ID)
    issued_at: int = Field(sa_type=sa.BigInteger)
    not_before: int = Field(sa_type=sa.BigInteger)
    expires_at: int = Field(sa_type=sa.BigInteger)
    redeemed_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    revoked_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    revoked_by: str | None = Field(default=None, sa_type=ID)
    code_failures: int = Field(default=0, sa_type=sa.Integer)


class InspectorAccessFacility(ServerTable, table=True):
    __tablename__ = "inspector_access_facilities"
    access_id: str = Field(primary_key=True, foreign_key="inspector_accesses.id", sa_type=ID)
    facility_id: str = Field(primary_key=True, foreign_key="facilities.id", sa_type=ID)


class PortalTables:
    accounts: ClassVar[sa.Table] = PortalAccount.__table__  # type: ignore[attr-defined]
    regions: ClassVar[sa.Table] = AccountFacility.__table__  # type: ignore[attr-defined]
    throttles: ClassVar[sa.Table] = SignInThrottle.__table__  # type: ignore[attr-defined]
    accesses: ClassVar[sa.Table] = InspectorAccess.__table__  # type: ignore[attr-defined]
    access_facilities: ClassVar[sa.Table] = (
        InspectorAccessFacility.__table__)  # type: ignore[attr-defined]


P = PortalTables
