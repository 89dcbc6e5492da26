"""Plain words and no empty writes: stays in words, no operation for no change."""

from __future__ import annotations

import pytest
from textual.notifications import Notify

from client.ui.dialogs.form import FormDialog
from client.ui.display import stay_status

from .test_resident import open_first_resident
from .test_resident import resident_terminal  # noqa: F401  the fixture

pytestmark = pytest.mark.tui


def test_stays_read_as_words():
    assert stay_status("on_leave", "hospital").plain == "On leave — in hospital"
    assert stay_status("on_leave", "therapeutic").plain == "On leave — therapeutic leave"
    # After the return the leave type no longer applies.
    assert stay_status("active", "hospital").plain == "In the facility"
    assert stay_status("transferred", None).plain == "Transferred out"


async def test_saving_an_unchanged_field_records_nothing(resident_terminal, make_app, drive):
    app = make_app(resident_terminal)
    seen: list[object] = []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        ui = drive(pilot)
        await open_first_resident(ui, pilot)
        session = resident_terminal.session()
        before = session.outbox.status().pending
        session.lock()
        app.screen.query_one("#demographics").focus()
        await pilot.press("down", "e")  # the first row is the record number, which stays
        await ui.wait_for_screen(FormDialog)
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: any(isinstance(m, Notify) and "Nothing changed"
                                      in m.notification.message for m in seen))
        assert not any(isinstance(m, Notify) and "Change saved" in m.notification.message
                       for m in seen)
    session = resident_terminal.session()
    try:
        assert session.outbox.status().pending == before
    finally:
        session.lock()
