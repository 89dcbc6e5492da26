"""What a regional manager changes from the portal, each inside their scope
(a facility outside it is not found) and audited under their name:
review of held operations (the very function ``chartkeep-server review-held``
runs), users of a facility, enrollment codes, and the facility's settings and
compliance settings (what ``chartkeep-server set-facility`` changes). The
staffing profiles are shared by every facility of a state, so only an
administrator edits them (``put-profile``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from protocol.ops import OpResult
from protocol.records import Role
from protocol.reports.settings import FacilitySettings
from protocol.rules.staffing.profile import StaffingProfile
from server.core import compliance_settings, directory, held_review
from server.errors import NotFound
from server.settings import Settings
from server.storage.db import read_tx
from server.storage.models import T

from .errors import InputInvalid
from .principals import Principal
from .scope import facility as facility_in_scope

FACILITY_ROLES = (Role.CLERK, Role.RECORDS_MANAGER)


def _in_scope(engine: Engine, manager: Principal, facility_id: str) -> None:
    with read_tx(engine) as conn:
        facility_in_scope(conn, manager, facility_id)


def review_held(engine: Engine, settings: Settings, manager: Principal, *, facility_id: str,
                terminal_id: str, seq: int, apply: bool) -> OpResult:
    with read_tx(engine) as conn:
        facility_in_scope(conn, manager, facility_id)
        owner = conn.execute(sa.select(T.terminals.c.facility_id).where(
            T.terminals.c.id == terminal_id)).scalar()
    if owner != facility_id:
        raise NotFound("There is no such held operation.")
    return held_review.review_held(engine, settings, terminal_id, seq, apply=apply,
                                   reviewer=manager.actor)


def create_user(engine: Engine, settings: Settings, manager: Principal, *, facility_id: str,
                username: str, role: str, display_name: str) -> str:
    _in_scope(engine, manager, facility_id)
    if role not in FACILITY_ROLES:
        raise InputInvalid("role", "A facility user is a clerk or a records manager.")
    return directory.create_user(engine, settings, facility_id=facility_id, username=username,
                                 role=role, display_name=display_name, actor=manager.actor)


def set_user_active(engine: Engine, settings: Settings, manager: Principal, *,
                    facility_id: str, user_id: str, active: bool) -> None:
    _in_scope(engine, manager, facility_id)
    directory.set_user_active(engine, settings, user_id=user_id, active=active,
                              facility_id=facility_id, actor=manager.actor)


def issue_code(engine: Engine, settings: Settings, manager: Principal, *,
               facility_id: str) -> str:
    _in_scope(engine, manager, facility_id)
    return directory.issue_code(engine, settings, facility_id=facility_id, actor=manager.actor)


def update_facility(engine: Engine, settings: Settings, manager: Principal, *,
                    facility_id: str, name: str, state: str) -> None:
    _in_scope(engine, manager, facility_id)
    directory.update_facility(engine, settings, facility_id=facility_id, name=name,
                              state=state, actor=manager.actor)


def compliance(engine: Engine, manager: Principal, facility_id: str
               ) -> tuple[FacilitySettings, dict[str, StaffingProfile]]:
    """A facility's compliance settings and the profiles it may choose from."""
    with read_tx(engine) as conn:
        facility_in_scope(conn, manager, facility_id)
        return (compliance_settings.facility_settings(conn, facility_id),
                compliance_settings.offered_profiles(conn))


def set_compliance(engine: Engine, settings: Settings, manager: Principal, *,
                   facility_id: str, profile: str, day_start: str, occupancy_method: str,
                   pbj_facility_id: str, beds_from: str, beds: str) -> FacilitySettings:
    """Change a facility's compliance settings (a licensed-bed count only when
    both its start and its number are given)."""
    _in_scope(engine, manager, facility_id)
    licensed: tuple[str, int] | None = None
    if beds_from or beds:
        if not (beds.isascii() and beds.isdigit()) or len(beds) > 6 or not beds_from:
            raise InputInvalid("beds", "Give the licensed beds as a whole number and the "
                               "date the count starts.")
        licensed = (beds_from, int(beds))
    return compliance_settings.set_facility(
        engine, settings, facility_id=facility_id, profile=profile or None,
        day_start=day_start or None, occupancy_method=occupancy_method or None,
        pbj_facility_id=pbj_facility_id, licensed_beds=licensed, actor=manager.actor)


def _administrator(who: Principal) -> None:
    if not who.is_administrator:
        raise NotFound("There is no such page.")


def profiles(engine: Engine, who: Principal) -> dict[str, StaffingProfile]:
    _administrator(who)
    with read_tx(engine) as conn:
        return compliance_settings.offered_profiles(conn)


def put_profile(engine: Engine, settings: Settings, who: Principal,
                data: dict[str, Any]) -> str:
    """Store an edited profile (administrators only); facilities using it get it."""
    _administrator(who)
    return compliance_settings.put_profile(engine, settings, data, actor=who.actor)
