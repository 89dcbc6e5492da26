from __future__ import annotations

from datetime import date, timedelta

import pytest

from protocol.rules.staffing.licenses import Band, Expiry, expiry, is_valid_on, most_urgent

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(("days", "band"), [
    (-1, Band.EXPIRED), (-400, Band.EXPIRED), (0, Band.DUE_30), (8, Band.DUE_30),
    (30, Band.DUE_30), (31, Band.DUE_60), (60, Band.DUE_60), (61, Band.DUE_90),
    (90, Band.DUE_90), (91, Band.CURRENT), (900, Band.CURRENT),
])
def test_bands_at_their_boundaries(days: int, band: Band) -> None:
    result = expiry(TODAY + timedelta(days=days), TODAY)
    assert result == Expiry(band, days)


def test_no_expiry_date_is_never_current() -> None:
    assert expiry(None, TODAY) == Expiry(Band.NEEDS_VERIFICATION, None)
    assert not is_valid_on(None, TODAY)


def test_valid_through_the_expiry_day() -> None:
    assert is_valid_on(TODAY, TODAY)
    assert not is_valid_on(TODAY, TODAY + timedelta(days=1))


def test_words_say_the_days() -> None:
    assert expiry(TODAY + timedelta(days=8), TODAY).words == "8 days left"
    assert expiry(TODAY + timedelta(days=1), TODAY).words == "1 day left"
    assert expiry(TODAY, TODAY).words == "expires today"
    assert expiry(TODAY - timedelta(days=3), TODAY).words == "expired 3 days ago"


def test_most_urgent_of_several() -> None:
    a = expiry(TODAY + timedelta(days=45), TODAY)
    b = expiry(TODAY + timedelta(days=10), TODAY)
    c = expiry(None, TODAY)
    assert most_urgent([a, b]) == b
    assert most_urgent([a, c]) == c
    assert most_urgent([expiry(TODAY - timedelta(days=1), TODAY), c]).band is Band.EXPIRED
    assert most_urgent([]).band is Band.NEEDS_VERIFICATION
