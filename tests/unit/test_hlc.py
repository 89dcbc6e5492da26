"""Hybrid logical clock: monotonic through wall-clock resets, drift guarded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.errors import ClockDriftError
from protocol.hlc import MAX_DRIFT_MS, HybridClock, is_skewed, pack, wall_ms

JAN_2000_MS = 946_684_800_000
NOV_2026_MS = 1_795_000_000_000


class WallClock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@given(st.lists(st.integers(min_value=0, max_value=2 * NOV_2026_MS), min_size=1, max_size=60))
def test_stamps_strictly_increase_whatever_the_wall_clock_does(walls: list[int]) -> None:
    wall = WallClock(walls[0])
    clock = HybridClock(physical=wall)
    previous = -1
    for ms in walls:
        wall.ms = ms
        stamp = clock.now()
        assert stamp > previous
        previous = stamp


def test_clock_reset_to_2000_keeps_counting_and_is_noticed() -> None:
    wall = WallClock(NOV_2026_MS)
    clock = HybridClock(physical=wall)
    before = clock.now()
    wall.ms = JAN_2000_MS
    after = clock.now()
    assert after > before
    assert wall_ms(after) == NOV_2026_MS
    assert clock.skewed


def test_untrusted_remote_far_ahead_is_refused() -> None:
    wall = WallClock(NOV_2026_MS)
    clock = HybridClock(physical=wall)
    start = clock.now()
    with pytest.raises(ClockDriftError):
        clock.observe(pack(NOV_2026_MS + MAX_DRIFT_MS + 1000, 0))
    assert clock.last == start
    near = clock.observe(pack(NOV_2026_MS + 1000, 3))
    assert near > pack(NOV_2026_MS + 1000, 3) - 1


def test_trusted_server_time_is_adopted_by_a_terminal_stuck_in_2000() -> None:
    wall = WallClock(JAN_2000_MS)
    clock = HybridClock(physical=wall)
    adopted = clock.observe(pack(NOV_2026_MS, 0), trusted=True)
    assert wall_ms(adopted) == NOV_2026_MS
    assert clock.now() > adopted


def test_counter_overflow_moves_to_the_next_millisecond() -> None:
    clock = HybridClock(physical=WallClock(1000), last=pack(5000, 0xFFFF))
    assert clock.now() == pack(5001, 0)


def test_skew_check() -> None:
    assert is_skewed(JAN_2000_MS, NOV_2026_MS)
    assert not is_skewed(NOV_2026_MS + 1000, NOV_2026_MS)


def test_new_epoch_only_when_the_server_confirms_a_clock_that_ran_ahead() -> None:
    from protocol.hlc import MAX_DRIFT_MS, new_epoch_due, pack

    year = 365 * 86_400_000
    now = 1_790_000_000_000
    ran_ahead = pack(now + year, 3)
    assert new_epoch_due(ran_ahead, now, server_offset_ms=1_000)
    assert not new_epoch_due(ran_ahead, now, server_offset_ms=-year)  # still wrong
    assert not new_epoch_due(ran_ahead, now, server_offset_ms=None)  # never confirmed
    assert not new_epoch_due(pack(now + MAX_DRIFT_MS, 0), now, server_offset_ms=0)
    assert not new_epoch_due(pack(now - year, 0), now, server_offset_ms=0)
