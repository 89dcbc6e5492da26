"""The sections of the work (F2 to F10) and the screen that opens each one."""

from __future__ import annotations

from .base import WorkScreen


def section_screen(section: str) -> WorkScreen:
    """A new screen for ``section``; the census for any name it does not know.

    Each screen module is imported when its section is first opened, so the app
    starts without loading screens the clerk may never visit.
    """
    if section == "beds":
        from .beds import BedsScreen

        return BedsScreen()
    if section == "staff":
        from .staff import StaffScreen

        return StaffScreen()
    if section == "sync":
        from .sync import SyncScreen

        return SyncScreen()
    if section == "duplicates":
        from .duplicates import DuplicatesScreen

        return DuplicatesScreen()
    if section == "compliance":
        from .compliance import ComplianceScreen

        return ComplianceScreen()
    if section == "records":
        from .records import RecordsScreen

        return RecordsScreen()
    if section == "department":
        from .department import DepartmentScreen

        return DepartmentScreen()
    if section == "users":
        from .users import UsersScreen

        return UsersScreen()
    from .census import CensusScreen

    return CensusScreen()
