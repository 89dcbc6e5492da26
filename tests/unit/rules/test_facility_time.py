"""The records clocks run on the facility's wall clock: its own zone, else its
state's, else UTC — hand-computed offsets, and a request that naive UTC would
call overdue hours early."""

from __future__ import annotations

from datetime import UTC, date, datetime

from protocol.rules.records.due_list import due_items
from protocol.rules.records.facility_time import STATE_ZONES, local_now, local_now_ms, zone_of

from ..records.cases import RESIDENT, RESIDENT_ID, Desk, ident

OHIO = {"state_code": "OH"}


def test_each_state_s_zone_exists() -> None:
    assert [state for state, name in STATE_ZONES.items() if zone_of(name) is None] == []
    assert len(STATE_ZONES) == 56  # 50 states, DC and 5 territories


def test_the_facility_s_own_zone_else_its_state_s_else_utc() -> None:
    winter = datetime(2026, 11, 10, 4, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    # Ohio keeps Eastern time: UTC-5 in November, so it is still the 9th there.
    assert local_now(OHIO, winter) == datetime(2026, 11, 9, 23, 30)
    # Its own zone wins: Mountain daylight time is UTC-6 in July.
    assert local_now({**OHIO, "timezone": "America/Denver"}, summer) == \
        datetime(2026, 7, 1, 6, 0)
    # Arizona keeps no daylight saving time: UTC-7 all year.
    assert local_now({"state_code": "AZ"}, summer) == datetime(2026, 7, 1, 5, 0)
    # A zone that does not exist is not trusted: the state's applies.
    assert local_now({**OHIO, "timezone": "Mars/Olympus"}, winter) == \
        datetime(2026, 11, 9, 23, 30)
    assert local_now({}, winter) == datetime(2026, 11, 10, 4, 30)
    assert local_now_ms(OHIO, int(winter.timestamp() * 1000)) == datetime(2026, 11, 9, 23, 30)


def test_an_inspection_is_overdue_by_the_facility_s_clock_not_the_server_s() -> None:
    """Received Monday 9 November 2026 at 08:00 in Ohio: inspect within 24
    working-day hours → Tuesday 08:00 Ohio time. At 12:30 UTC on Tuesday it is
    07:30 in Ohio: not yet overdue (naive UTC would have said overdue)."""
    desk = Desk(date(2026, 11, 9))
    desk.run("open_request", {"request_id": ident(1), "resident_id": RESIDENT_ID,
                              "received_at": "2026-11-09T08:00", "requester": "the resident",
                              "authority": "resident", "what": "her chart", "ask": "inspect",
                              "current_resident": True})
    residents = {RESIDENT_ID: dict(RESIDENT.data)}

    def overdue(at: datetime) -> bool:
        [item] = due_items(desk.cases(), residents, {}, desk.profile, at)
        assert item.due_text == "2026-11-10 08:00"
        return item.overdue

    moment = datetime(2026, 11, 10, 12, 30, tzinfo=UTC)
    assert overdue(moment.replace(tzinfo=None))  # the old, naive UTC reading
    assert not overdue(local_now(OHIO, moment))
    assert overdue(local_now(OHIO, datetime(2026, 11, 10, 13, 1, tzinfo=UTC)))
