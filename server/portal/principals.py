"""Who is asking in the portal: a signed-in account, or an inspector holding a
redeemed access. The portal's session carries only the kind, the id and (for
accounts) the session generation; every request loads the principal afresh, so
a deactivated account, a "sign out everywhere" or a revoked access takes effect
on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PortalRole(StrEnum):
    ADMINISTRATOR = "administrator"
    REGIONAL_MANAGER = "regional_manager"
    INSPECTOR = "inspector"


@dataclass(frozen=True)
class Principal:
    kind: str
    """``account`` or ``inspector``."""
    id: str
    """The account's id, or the inspector access's id."""
    name: str
    """The account's user name, or the inspector's name."""
    role: PortalRole
    facilities: frozenset[str] | None
    """The facilities in scope; ``None`` for an administrator (all of them)."""
    display_name: str = ""
    agency: str = ""
    purpose: str = ""
    """An inspector's stated purpose, recorded with every view."""
    expires_at: int | None = None

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return f"portal:{self.name}" if self.kind == "account" else f"inspector:{self.id}"

    @property
    def is_inspector(self) -> bool:
        return self.role is PortalRole.INSPECTOR

    @property
    def is_administrator(self) -> bool:
        return self.role is PortalRole.ADMINISTRATOR

    def sees(self, facility_id: str) -> bool:
        return self.facilities is None or facility_id in self.facilities
