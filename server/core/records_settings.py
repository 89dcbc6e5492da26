"""A facility's records-department settings, kept on its facility record so the
terminals receive them at their next pull: the records profile (retention, the
access clocks, delinquency, holidays — :class:`RecordsProfile`) and the
completeness checklist of documents required at discharge (:class:`Checklist`),
and the time zone its records clocks run on (:mod:`protocol.rules.records.facility_time`).

Unset, each side reads the state's default profile and the default checklist
(:mod:`protocol.rules.records.commands.reading`), so clearing a setting returns
to the default. Every change is checked by the protocol's own parser before it
is stored (what the terminals would refuse to read is refused here, naming the
field) and audited in the facility's chain with what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from protocol.errors import ValidationError
from protocol.records import RecordKind
from protocol.rules.records.commands.completeness import DEFAULT_CHECKLIST
from protocol.rules.records.commands.reading import facility_checklist, facility_profile
from protocol.rules.records.completeness import Checklist
from protocol.rules.records.facility_time import TIMEZONE_FIELD, zone_name, zone_of
from protocol.rules.records.profile import LATER_FIELD, RecordsProfile, stored_parts
from server.errors import AdminError, NotFound
from server.settings import Settings
from server.storage.batch import Batch, Rec
from server.storage.db import read_tx, write_tx
from server.storage.models import T

from .facility_names import publish

PROFILE_FIELD = "records_profile"
CHECKLIST_FIELD = "completeness_checklist"


@dataclass(frozen=True)
class RecordsSettings:
    profile: RecordsProfile
    profile_is_own: bool
    """False: the state's default profile applies."""
    checklist: Checklist
    checklist_is_own: bool
    timezone: str
    timezone_is_own: bool

    def to_dict(self) -> dict[str, Any]:
        return {"timezone": self.timezone,
                "timezone_source": "facility" if self.timezone_is_own else "state default",
                "records_profile": self.profile.to_dict(),
                "records_profile_source": "facility" if self.profile_is_own else "state default",
                "completeness_checklist": self.checklist.to_dict(),
                "completeness_checklist_source":
                    "facility" if self.checklist_is_own else "default"}


def _settings_of(data: Mapping[str, Any]) -> RecordsSettings:
    own = facility_checklist(data)
    zone = zone_name(data)
    return RecordsSettings(facility_profile(data), isinstance(data.get(PROFILE_FIELD), Mapping),
                           own or DEFAULT_CHECKLIST, own is not None, zone,
                           data.get(TIMEZONE_FIELD) == zone)


def _facility(batch: Batch, facility_id: str) -> Rec:
    rec = batch.get(facility_id, str(RecordKind.FACILITY))
    if rec is None:
        raise NotFound(f"no facility {facility_id}")
    return rec


def records_settings(engine: Engine, facility_id: str) -> RecordsSettings:
    with read_tx(engine) as conn:
        data = conn.execute(sa.select(T.records.c.data).where(
            T.records.c.id == facility_id,
            T.records.c.kind == str(RecordKind.FACILITY))).scalar()
    if not isinstance(data, Mapping):
        raise NotFound(f"no facility {facility_id}")
    return _settings_of(data)


def _checked_profile(raw: Mapping[str, Any], state: str) -> RecordsProfile:
    try:
        profile = RecordsProfile.from_dict(raw)
    except ValidationError as exc:
        raise AdminError(f"records profile: {exc.field}: {exc.reason}") from None
    if profile.state not in (state, "US"):
        raise AdminError(f"records profile: state: {profile.state} is not the facility's "
                         f"state ({state})")
    return profile


def _checked_checklist(raw: Mapping[str, Any]) -> dict[str, Any]:
    try:
        checklist = Checklist.from_dict(raw)
    except ValidationError as exc:
        raise AdminError(f"completeness checklist: {exc.field}: {exc.reason}") from None
    if not checklist.documents:
        raise AdminError("completeness checklist: documents: list at least one document "
                         "(or go back to the default)")
    return checklist.to_dict()


def set_records_settings(engine: Engine, settings: Settings, *, facility_id: str,
                         profile: Mapping[str, Any] | None = None,
                         checklist: Mapping[str, Any] | None = None,
                         timezone: str | None = None,
                         default_profile: bool = False, default_checklist: bool = False,
                         default_timezone: bool = False,
                         actor: str | None = None) -> RecordsSettings:
    """Set (or with ``default_*`` clear) the facility's own profile, checklist and zone."""
    if profile is not None and default_profile:
        raise AdminError("give a records profile or go back to the state's default, not both")
    if checklist is not None and default_checklist:
        raise AdminError("give a checklist or go back to the default, not both")
    if timezone is not None and default_timezone:
        raise AdminError("give a time zone or go back to the state's, not both")
    if timezone is not None and zone_of(timezone) is None:
        raise AdminError(f"timezone: no time zone called {timezone!r} (an IANA name such as "
                         "America/Denver)")
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, [facility_id], now)
        rec = _facility(batch, facility_id)
        state = str(rec.data.get("state_code") or "US")
        changed: dict[str, str] = {}
        if profile is not None:
            # Two parts: a terminal of an earlier release reads the first as before
            # (LATER_FIELD's docstring).
            rec.data[PROFILE_FIELD], later = stored_parts(_checked_profile(profile, state))
            if later:
                rec.data[LATER_FIELD] = later
            else:
                rec.data.pop(LATER_FIELD, None)
            changed[PROFILE_FIELD] = "set"
        elif default_profile and PROFILE_FIELD in rec.data:
            del rec.data[PROFILE_FIELD]
            rec.data.pop(LATER_FIELD, None)
            changed[PROFILE_FIELD] = "state default"
        if checklist is not None:
            rec.data[CHECKLIST_FIELD] = _checked_checklist(checklist)
            changed[CHECKLIST_FIELD] = "set"
        elif default_checklist and CHECKLIST_FIELD in rec.data:
            del rec.data[CHECKLIST_FIELD]
            changed[CHECKLIST_FIELD] = "default"
        if timezone is not None:
            rec.data[TIMEZONE_FIELD] = timezone
            changed[TIMEZONE_FIELD] = timezone
        elif default_timezone and TIMEZONE_FIELD in rec.data:
            del rec.data[TIMEZONE_FIELD]
            changed[TIMEZONE_FIELD] = "state default"
        if changed:
            publish(batch, rec, new=False)
            batch.chain(facility_id).append(
                at=now, action="admin:set_records_settings", outcome="applied", actor=actor,
                target=facility_id, facility_id=facility_id, detail={"changed": changed})
            batch.write()
        return _settings_of(rec.data)
