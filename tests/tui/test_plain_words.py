"""Plain words: a stay's state as a clerk says it."""

from __future__ import annotations

import pytest

from client.ui.display import stay_status

pytestmark = pytest.mark.tui


def test_stays_read_as_words():
    assert stay_status("on_leave", "hospital").plain == "On leave — in hospital"
    assert stay_status("on_leave", "therapeutic").plain == "On leave — therapeutic leave"
    # After the return the leave type no longer applies.
    assert stay_status("active", "hospital").plain == "In the facility"
    assert stay_status("transferred", None).plain == "Transferred out"
