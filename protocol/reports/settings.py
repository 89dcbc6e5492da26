"""A facility's compliance settings, as the server keeps them on the facility record
and every terminal of the facility receives them.

``facility.data["compliance"]`` holds: the chosen staffing profile (its whole
``StaffingProfile.to_dict`` form, so a profile edited centrally reaches the
terminals with the next pull and a new profile needs no code), the facility day
start (docs/rules.md §2.6, D7), the DON occupancy method (D6), the PBJ facility
id, dated RN waivers and dated licensed-bed counts. Missing settings take the
defaults below; a bad value is refused naming the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from protocol.errors import ValidationError
from protocol.rules.residents.census_stats import BedCount
from protocol.rules.staffing.profile import DEFAULT_PROFILES, FEDERAL, StaffingProfile
from protocol.rules.staffing.rn_coverage import OCCUPANCY_WORDS, OccupancyMethod, Waiver

KEYS = frozenset({"profile", "day_start", "occupancy_method", "pbj_facility_id", "waivers",
                  "bed_counts"})


def default_profile(state: str | None) -> StaffingProfile:
    """The shipped profile of the facility's state, else the federal floor."""
    for profile in DEFAULT_PROFILES.values():
        if state and profile.state == state and not profile.informational:
            return profile
    return FEDERAL


@dataclass(frozen=True)
class FacilitySettings:
    profile: StaffingProfile = FEDERAL
    day_start: time = time()
    occupancy_method: OccupancyMethod = OccupancyMethod.QUARTER_TO_DATE
    pbj_facility_id: str | None = None
    waivers: tuple[Waiver, ...] = ()
    bed_counts: tuple[BedCount, ...] = field(default=())

    @property
    def day_start_words(self) -> str:
        return "midnight" if self.day_start == time() else f"{self.day_start:%H:%M}"

    @property
    def occupancy_words(self) -> str:
        return OCCUPANCY_WORDS[self.occupancy_method]

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile.to_dict(), "day_start": f"{self.day_start:%H:%M}",
            "occupancy_method": str(self.occupancy_method),
            "pbj_facility_id": self.pbj_facility_id,
            "waivers": [{"start": w.start.isoformat(), "end": w.end.isoformat(),
                         "note": w.note} for w in self.waivers],
            "bed_counts": [{"start": c.start.isoformat(), "beds": c.beds}
                           for c in self.bed_counts],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, state: str | None = None
                  ) -> FacilitySettings:
        """Settings from the facility record; raises :class:`ValidationError`."""
        data = data or {}
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise ValidationError(unknown[0], "is not a compliance setting")
        raw_profile = data.get("profile")
        profile = (StaffingProfile.from_dict(raw_profile) if raw_profile
                   else default_profile(state))
        return cls(profile=profile, day_start=_time(data.get("day_start")),
                   occupancy_method=_method(data.get("occupancy_method")),
                   pbj_facility_id=_pbj_id(data.get("pbj_facility_id")),
                   waivers=tuple(_waiver(w) for w in data.get("waivers") or []),
                   bed_counts=tuple(sorted((_bed_count(c) for c in data.get("bed_counts") or []),
                                           key=lambda c: c.start)))


def _time(value: Any) -> time:
    if value in (None, ""):
        return time()
    try:
        parsed = time.fromisoformat(str(value))
    except ValueError:
        raise ValidationError("day_start", "must be a time written HH:MM") from None
    return parsed.replace(second=0, microsecond=0)


def _method(value: Any) -> OccupancyMethod:
    if value in (None, ""):
        return OccupancyMethod.QUARTER_TO_DATE
    try:
        return OccupancyMethod(value)
    except ValueError:
        raise ValidationError("occupancy_method", "must be one of " + ", ".join(
            m.value for m in OccupancyMethod)) from None


def _pbj_id(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not 1 <= len(text) <= 16:
        raise ValidationError("pbj_facility_id", "must be 1–16 characters (state-assigned)")
    return text


def _day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(name, "must be a date written YYYY-MM-DD") from None


def _waiver(raw: Any) -> Waiver:
    if not isinstance(raw, Mapping):
        raise ValidationError("waivers", "each waiver has a start, an end and a note")
    start, end = _day(raw.get("start"), "waivers.start"), _day(raw.get("end"), "waivers.end")
    if end < start:
        raise ValidationError("waivers.end", "cannot be before the start")
    return Waiver(start, end, str(raw.get("note") or ""))


def _bed_count(raw: Any) -> BedCount:
    if not isinstance(raw, Mapping):
        raise ValidationError("bed_counts", "each count has a start date and a number of beds")
    beds = raw.get("beds")
    if isinstance(beds, bool) or not isinstance(beds, int) or not 0 <= beds <= 10_000:
        raise ValidationError("bed_counts.beds", "must be a whole number of licensed beds")
    return BedCount(_day(raw.get("start"), "bed_counts.start"), beds)
