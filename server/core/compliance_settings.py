"""A facility's compliance settings and the staffing profiles, edited centrally
(the ``chartkeep-server`` command line and the portal call the same functions).

- Staffing profiles are data: the server keeps an editable copy of each
  (``staffing_profile`` records of the ``_system`` scope, seeded from the shipped
  defaults on first use); ``put_profile`` validates and stores one, and every
  facility using it receives the new copy through its change log.
- ``set_facility`` stores a facility's compliance settings on its facility record
  (profile, day start, DON occupancy method, PBJ facility id, RN waivers,
  licensed-bed counts), so its terminals receive them with the next pull.

Both are audited with who asked (``actor``: the command line leaves it empty, the
portal names the account).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from protocol.errors import ValidationError
from protocol.reports.settings import FacilitySettings
from protocol.rules.residents.census_stats import BedCount
from protocol.rules.staffing.profile import DEFAULT_PROFILES, StaffingProfile
from protocol.rules.staffing.rn_coverage import OccupancyMethod, Waiver
from server.errors import AdminError, NotFound
from server.settings import Settings
from server.storage.batch import Batch, Rec
from server.storage.db import read_tx, write_tx
from server.storage.models import SYSTEM_CHAIN, T

PROFILE_KIND = "staffing_profile"


def _profile_id(key: str) -> str:
    return f"profile-{key}"


def _stored_profiles(conn: Connection) -> dict[str, StaffingProfile]:
    rows = conn.execute(sa.select(T.records.c.data).where(
        T.records.c.kind == PROFILE_KIND)).all()
    out = {}
    for (data,) in rows:
        profile = StaffingProfile.from_dict(data if isinstance(data, Mapping)
                                            else json.loads(data))
        out[profile.key] = profile
    return out


def profiles(engine: Engine) -> dict[str, StaffingProfile]:
    """Every profile the server offers: the stored copies over the shipped defaults."""
    with read_tx(engine) as conn:
        return {**DEFAULT_PROFILES, **_stored_profiles(conn)}


def _facility_rec(batch: Batch, facility_id: str) -> Rec:
    rec = batch.get(facility_id, "facility")
    if rec is None:
        raise NotFound(f"no facility {facility_id}")
    return rec


def current_settings(rec: Rec) -> FacilitySettings:
    return FacilitySettings.from_dict(rec.data.get("compliance"),
                                      state=rec.data.get("state_code"))


def put_profile(engine: Engine, settings: Settings, data: Mapping[str, Any], *,
                actor: str | None = None) -> str:
    """Store an edited or new staffing profile; facilities using it get the new copy."""
    try:
        profile = StaffingProfile.from_dict(data)
    except ValidationError as exc:
        raise AdminError(f"profile {exc.field}: {exc.reason}") from None
    now = settings.clock()
    with write_tx(engine) as conn:
        users = [row.id for row in conn.execute(sa.select(T.facilities.c.id))]
        batch = Batch(conn, [SYSTEM_CHAIN, *users], now)
        rec = batch.get(_profile_id(profile.key), PROFILE_KIND)
        if rec is None:
            batch.add(Rec(id=_profile_id(profile.key), kind=PROFILE_KIND,
                          facility_id=SYSTEM_CHAIN, data=profile.to_dict()))
        else:
            rec.data = profile.to_dict()
            rec.dirty = True
        for facility_id in users:
            facility = batch.get(facility_id, "facility")
            if facility is None:
                continue
            current = current_settings(facility)
            if current.profile.key == profile.key:
                facility.data["compliance"] = replace(current, profile=profile).to_dict()
                batch.emit(facility)
                batch.chain(facility_id).append(
                    at=now, action="admin:profile_changed", outcome="applied",
                    target=facility_id, facility_id=facility_id, detail={"profile": profile.key})
        batch.chain(SYSTEM_CHAIN).append(at=now, action="admin:put_profile", outcome="applied",
                                         actor=actor, target=profile.key,
                                         detail={"name": profile.name})
        batch.write()
    return profile.key


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AdminError(f"{what} must be a date written YYYY-MM-DD") from None


def set_facility(engine: Engine, settings: Settings, *, facility_id: str,
                 profile: str | None = None, day_start: str | None = None,
                 occupancy_method: str | None = None, pbj_facility_id: str | None = None,
                 waiver: tuple[str, str, str] | None = None,
                 licensed_beds: tuple[str, int] | None = None,
                 actor: str | None = None) -> FacilitySettings:
    """Change some of a facility's compliance settings; the rest stay."""
    now = settings.clock()
    with write_tx(engine) as conn:
        batch = Batch(conn, [facility_id], now)
        rec = _facility_rec(batch, facility_id)
        current = current_settings(rec)
        changes: dict[str, Any] = {}
        if profile is not None:
            offered = {**DEFAULT_PROFILES, **_stored_profiles(conn)}
            if profile not in offered:
                raise AdminError(f"no staffing profile {profile!r}; one of "
                                 f"{', '.join(sorted(offered))}")
            changes["profile"] = offered[profile]
        if day_start is not None:
            try:
                changes["day_start"] = time.fromisoformat(day_start).replace(second=0)
            except ValueError:
                raise AdminError("the day start is a time written HH:MM") from None
        if occupancy_method is not None:
            try:
                changes["occupancy_method"] = OccupancyMethod(occupancy_method)
            except ValueError:
                raise AdminError("the occupancy method is one of " + ", ".join(
                    m.value for m in OccupancyMethod)) from None
        if pbj_facility_id is not None:
            changes["pbj_facility_id"] = pbj_facility_id.strip() or None
        if waiver is not None:
            start, end = _parse_day(waiver[0], "a waiver's start"), _parse_day(
                waiver[1], "a waiver's end")
            changes["waivers"] = (*current.waivers, Waiver(start, end, waiver[2]))
        if licensed_beds is not None:
            start = _parse_day(licensed_beds[0], "the bed count's start")
            kept = tuple(c for c in current.bed_counts if c.start != start)
            changes["bed_counts"] = (*kept, BedCount(start, licensed_beds[1]))
        updated = replace(current, **changes)
        try:
            checked = FacilitySettings.from_dict(updated.to_dict())
        except ValidationError as exc:
            raise AdminError(f"{exc.field}: {exc.reason}") from None
        rec.data["compliance"] = checked.to_dict()
        batch.emit(rec)
        batch.chain(facility_id).append(
            at=now, action="admin:set_facility", outcome="applied", actor=actor,
            target=facility_id, facility_id=facility_id, detail={"changed": sorted(changes)})
        batch.write()
    return checked


def facility_settings(conn: Connection, facility_id: str) -> FacilitySettings:
    """A facility's compliance settings as its terminals have them."""
    row = conn.execute(sa.select(T.records.c.data).where(
        T.records.c.id == facility_id, T.records.c.kind == "facility")).first()
    if row is None:
        raise NotFound(f"no facility {facility_id}")
    data = row.data if isinstance(row.data, Mapping) else json.loads(row.data)
    return FacilitySettings.from_dict(data.get("compliance"), state=data.get("state_code"))


def offered_profiles(conn: Connection) -> dict[str, StaffingProfile]:
    """Every profile the server offers (in one read transaction)."""
    return {**DEFAULT_PROFILES, **_stored_profiles(conn)}
