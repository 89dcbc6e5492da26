"""Emergency ("break the glass") access: hand-computed cases of the rule."""

import pytest

from protocol.errors import ValidationError
from protocol.rules import emergency_access as rule
from protocol.rules.offline_access import CLOCK_BEHIND, EXPIRED

START = 1_790_000_000_000


@pytest.mark.parametrize(("refusal", "role", "expected"), [
    (EXPIRED, "clerk", True),
    (EXPIRED, "records_manager", True),
    (EXPIRED, "regional_manager", False),
    (EXPIRED, "inspector", False),
    (CLOCK_BEHIND, "clerk", False),       # a time box on a clock turned back means nothing
    ("user_inactive", "clerk", False),    # deactivated at the server
    (None, "clerk", False),               # the window is open: sign in normally
])
def test_offered_only_when_the_window_expired_for_a_terminal_role(refusal, role, expected):
    assert rule.offered(refusal, role) is expected


def test_the_reason_is_trimmed_and_bounded():
    assert rule.clean_reason("  Resident fell,\n need   allergy list ") == \
        "Resident fell, need allergy list"
    assert len(rule.clean_reason("x" * rule.REASON_MAX)) == 300
    for bad in ("", "   ", "too short", " a  b  c  d "):
        with pytest.raises(ValidationError) as info:
            rule.clean_reason(bad)
        assert info.value.field == "reason"
        assert "at least 10 characters" in info.value.reason
    with pytest.raises(ValidationError, match="at most 300"):
        rule.clean_reason("x" * 301)


def test_the_time_box_is_thirty_minutes_and_a_clock_set_back_ends_it():
    ends = rule.ends_at(START)
    assert ends - START == 30 * 60_000
    assert not rule.over(START, START, ends)
    assert not rule.over(ends - 1, START, ends)
    assert rule.over(ends, START, ends)
    assert rule.over(START - 1, START, ends)
