"""The offline window: hand-computed cases."""

import pytest

from protocol.rules.offline_access import (
    CLOCK_BEHIND,
    DAY_MS,
    DEFAULT_WINDOW_DAYS,
    EXPIRED,
    granted_until,
    sign_in_refusal,
    window_days,
)

CONTACT = 1_790_000_000_000


def test_window_days_defaults_to_14_and_takes_the_facilitys_setting():
    assert window_days(None) == DEFAULT_WINDOW_DAYS == 14
    assert window_days({"offline_window_days": 3}) == 3
    for bad in (0, -1, 91, "7", True, 2.5):
        assert window_days({"offline_window_days": bad}) == 14


@pytest.mark.parametrize(("now", "refusal"), [
    (CONTACT, None),
    (CONTACT + 14 * DAY_MS, None),             # the last instant of the window
    (CONTACT + 14 * DAY_MS + 1, EXPIRED),
    (CONTACT + 400 * DAY_MS, EXPIRED),          # 400 days after the last contact
    (CONTACT - 3 * DAY_MS, CLOCK_BEHIND),       # the clock set back three days
])
def test_sign_in_inside_the_window_only(now, refusal):
    until = granted_until(CONTACT, 14)
    assert sign_in_refusal(now, until, latest_seen_ms=CONTACT) == refusal


def test_no_grant_is_expired_and_a_clock_behind_wins():
    assert sign_in_refusal(CONTACT, None, CONTACT) == EXPIRED
    assert sign_in_refusal(CONTACT - 1, None, CONTACT) == CLOCK_BEHIND
