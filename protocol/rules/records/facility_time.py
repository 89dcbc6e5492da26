"""A facility's local time, for the records clocks.

Requests are received, and clocks counted, on the facility's wall clock: a
resident who asks to inspect their record at 08:00 in Denver is owed an answer
by 08:00 Denver time the next working day, whatever the server's or a
terminal's machine clock says. So the due list's "now" is the facility's local
time: the time zone named on its facility record (``timezone``, an IANA name
such as ``America/Denver``), or else the zone most of its state keeps
(:data:`STATE_ZONES`; a facility in a state's other zone — the Florida
panhandle, El Paso, Michigan's Upper Peninsula, … — names its own), or else UTC.

Times in records are naive wall-clock times; :func:`local_now` returns one too,
so the two compare directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TIMEZONE_FIELD = "timezone"

STATE_ZONES: Mapping[str, str] = {
    "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
    "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
    "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
    "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
    "ID": "America/Boise", "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago", "KS": "America/Chicago", "KY": "America/New_York",
    "LA": "America/Chicago", "ME": "America/New_York", "MD": "America/New_York",
    "MA": "America/New_York", "MI": "America/Detroit", "MN": "America/Chicago",
    "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
    "NE": "America/Chicago", "NV": "America/Los_Angeles", "NH": "America/New_York",
    "NJ": "America/New_York", "NM": "America/Denver", "NY": "America/New_York",
    "NC": "America/New_York", "ND": "America/Chicago", "OH": "America/New_York",
    "OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York",
    "RI": "America/New_York", "SC": "America/New_York", "SD": "America/Chicago",
    "TN": "America/Chicago", "TX": "America/Chicago", "UT": "America/Denver",
    "VT": "America/New_York", "VA": "America/New_York", "WA": "America/Los_Angeles",
    "WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
    "PR": "America/Puerto_Rico", "VI": "America/St_Thomas", "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan", "AS": "Pacific/Pago_Pago",
}
"""The zone most of each state (and territory) keeps."""


def zone_of(name: str) -> tzinfo | None:
    """The zone called ``name`` (None when there is no such zone here)."""
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_name(facility: Mapping[str, Any]) -> str:
    """The name of the facility's zone: its own, else its state's, else UTC."""
    own = facility.get(TIMEZONE_FIELD)
    if isinstance(own, str) and zone_of(own) is not None:
        return own
    state = str(facility.get("state_code") or "").upper()
    return STATE_ZONES.get(state, "UTC")


def facility_zone(facility: Mapping[str, Any]) -> tzinfo:
    return zone_of(zone_name(facility)) or UTC


def local_now(facility: Mapping[str, Any], now: datetime) -> datetime:
    """``now`` (a moment; naive means UTC) on the facility's wall clock, naive."""
    moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return moment.astimezone(facility_zone(facility)).replace(tzinfo=None)


def local_now_ms(facility: Mapping[str, Any], now_ms: int) -> datetime:
    return local_now(facility, datetime.fromtimestamp(now_ms / 1000, tz=UTC))
