"""A resident's record: notes are added and amended, never edited in place; bad
input keeps the form open with the message next to the field."""

from __future__ import annotations

import pytest
from textual.notifications import Notify
from textual.widgets import DataTable, Input, Select, TextArea

from client.ui.dialogs.diagnosis_form import CodeSearchDialog
from client.ui.dialogs.form import FormDialog
from client.ui.screens.resident import ResidentScreen
from protocol.rules.residents import diagnosis_codes

pytestmark = pytest.mark.tui


@pytest.fixture
def resident_terminal(offline_terminal):
    session = offline_terminal.session()
    resident_id = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                             "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident_id, admitted_at="2026-01-10")
    session.lock()
    return offline_terminal


async def open_first_resident(ui, pilot):
    await ui.sign_in()
    await ui.wait_for(lambda: "Okafor" in ui.table_text("#census-table"))
    ui.app.screen.query_one("#census-table", DataTable).focus()
    await pilot.press("enter")
    screen = await ui.wait_for_screen(ResidentScreen)
    await ui.wait_for(lambda: screen.view is not None)
    return screen


async def test_add_and_amend_a_note(resident_terminal, make_app, drive):
    app = make_app(resident_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)

        await pilot.press("n")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(body="Settled well after admission; eats [most] meals.")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "Settled well" in ui.table_text("#notes"))
        assert "eats [most] meals" in ui.text_of("#note-detail")

        await pilot.press("m")
        dialog = await ui.wait_for_screen(FormDialog)
        assert dialog.query_one("#field-body", TextArea).text.startswith("Settled well")
        await ui.fill(body="Settled well after admission; eats all meals.")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "amended ×1" in ui.table_text("#notes"))
        detail = ui.text_of("#note-detail")
        assert "eats [most] meals" in detail  # the original stays
        assert "eats all meals" in detail
        assert "pending" in detail  # not yet on the server


async def test_a_note_entered_in_error_is_struck_through_with_who_when_why(
        resident_terminal, make_app, drive):
    app = make_app(resident_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await pilot.press("n")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(body="Walked to the garden.")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: "Walked to the garden" in ui.table_text("#notes"))
        await pilot.press("x")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(reason="Charted on the wrong resident")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "entered in error" in ui.table_text("#notes"))
        table = screen.query_one("#notes", DataTable)
        assert table.row_count == 1  # the reason is not a note of its own
        body = table.get_row_at(0)[3]
        assert "strike" in str(body.style)
        detail = ui.text_of("#note-detail")
        assert "Walked to the garden." in detail
        assert "Entered in error" in detail and "alice" in detail
        assert "Charted on the wrong resident" in detail


async def test_bad_input_keeps_the_form_and_says_what_is_wrong(resident_terminal, make_app,
                                                               drive):
    app = make_app(resident_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        ui = drive(pilot)
        await open_first_resident(ui, pilot)
        await pilot.press("n")
        dialog = await ui.wait_for_screen(FormDialog)
        await ui.fill(clinical_time="2026-02-30 25:00", body="Family visited.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert "YYYY-MM-DDTHH:MM" in ui.text_of("#error-clinical_time")
        assert dialog.query_one("#field-body", TextArea).text == "Family visited."


async def test_diagnosis_code_is_checked_as_typed(resident_terminal, make_app, drive):
    app = make_app(resident_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await pilot.press("i")
        await ui.wait_for_screen(FormDialog)
        # Saved empty: each refusal reads as a sentence ("Description: is required"
        # read as a label with nothing after it).
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: ui.text_of("#error-description") != "")
        assert ui.text_of("#error-description") == "Description is required"
        assert ui.text_of("#error-code") == "ICD-10-CM code is required"
        await ui.fill(code="E119")
        assert ui.text_of("#error-code").startswith(
            "ICD-10-CM code needs a dot after the third character")
        await ui.wait_for(diagnosis_codes.is_loaded)
        # The right shape, but no such code: refused here as the server refuses it.
        await ui.fill(code="Z99.99")
        await ui.wait_for(lambda: "not in the ICD-10-CM code set" in ui.text_of("#error-code"))
        await ui.fill(code="E11")
        await ui.wait_for(lambda: "not a billable code" in ui.text_of("#error-code"))
        await ui.fill(code="E11.9")
        await ui.wait_for(lambda: ui.text_of("#error-code") == "")
        # The description comes from the code set.
        described = app.screen.query_one("#field-description", Input)
        await ui.wait_for(lambda: described.value
                          == "Type 2 diabetes mellitus without complications")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "E11.9" in ui.table_text("#diagnoses"))
        assert "without complications" in ui.table_text("#diagnoses")


async def test_a_diagnosis_is_found_by_words(resident_terminal, make_app, drive):
    app = make_app(resident_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await pilot.press("i")
        form = await ui.wait_for_screen(FormDialog)
        await pilot.press("ctrl+f")
        search = await ui.wait_for_screen(CodeSearchDialog)
        await pilot.press(*"hypertension essential")
        await ui.wait_for(lambda: "I10" in ui.table_text("#code-table"))
        await pilot.press("enter")  # to the matches
        await pilot.press("enter")  # the first: the general code
        await ui.wait_for(lambda: app.screen is form)
        assert search is not app.screen
        assert form.query_one("#field-code", Input).value == "I10"
        assert form.query_one("#field-description", Input).value == (
            "Essential (primary) hypertension")
        # Her first diagnosis: it starts as the principal one (docs/rules.md §5.4).
        assert form.query_one("#field-rank", Select).value == "principal"
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "I10" in ui.table_text("#diagnoses"))
        assert "principal" in ui.table_text("#diagnoses")
        await pilot.press("i")  # the next one is secondary
        second = await ui.wait_for_screen(FormDialog)
        assert second.query_one("#field-rank", Select).value == "secondary"


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


def test_a_note_author_is_named_never_shown_as_an_id():
    from client.ui.engine import NoteView, UserInfo
    from client.ui.widgets.resident_record import author_name

    def note(author, name=None):
        return NoteView(id="n1", category="nursing", clinical_time=None, body="", author=author,
                        server_seq=None, pending=False, amends=None, entered_in_error_of=None,
                        amendments=[], entered_in_error=False, fields={}, author_name=name)

    me = UserInfo(id="01ME", username="alice", role="clerk")
    stranger = "01J0STRANGERUSERID00000000"
    assert author_name(note(stranger, "Dana Whitfield"), me) == "Dana Whitfield"
    assert author_name(note("01ME"), me) == "alice"
    assert author_name(note(stranger), me) == "a user of another facility"
    assert stranger[-6:] not in author_name(note(stranger), me)


async def test_down_from_the_tabs_reaches_the_field_to_edit(resident_terminal, make_app, drive):
    """The record opens with the cursor on the tabs (left and right change the tab).
    Driven at 80×24, down there did nothing, and ``e`` then edited the first row:
    "The record number cannot be changed." Down now goes into the tab's list."""
    app = make_app(resident_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#demographics"))
        assert app.focused is not screen.query_one("#demographics", DataTable)
        await pilot.press("down")
        assert app.focused is screen.query_one("#demographics", DataTable)
        await pilot.press("down", "e")  # the first row is the record number
        form = await ui.wait_for_screen(FormDialog)
        assert form.form_title == "Change family name"


async def test_down_down_e_typed_at_once_edits_the_second_field(resident_terminal, make_app,
                                                                drive):
    """The same keys in one read (typed ahead): the downs behind the first move
    the list's cursor, and ``e`` edits the row they reach."""
    from textual import events

    app = make_app(resident_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await open_first_resident(ui, pilot)
        await ui.wait_for(lambda: "Okafor" in ui.table_text("#demographics"))
        for key in ("down", "down", "e"):
            app.post_message(events.Key(key, key if key == "e" else None))
        form = await ui.wait_for_screen(FormDialog)
        assert form.form_title == "Change family name"


async def test_a_note_just_added_is_the_one_highlighted(resident_terminal, make_app, drive):
    """Driven at 80×24: after saving a note the list's cursor stayed on the first
    (oldest) note, whose text showed under the list; with a long history the new
    note was out of sight, as if not saved."""
    session = resident_terminal.session()
    resident_id = session.residents.census().rows[0].id
    for day in range(1, 13):
        session.notes.add(resident_id, {"category": "progress",
                                        "clinical_time": f"2026-01-{10 + day:02d}T09:00",
                                        "body": f"Older note {day}"})
    session.lock()
    app = make_app(resident_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await open_first_resident(ui, pilot)
        await ui.wait_for(lambda: "Older note 12" in ui.table_text("#notes"))
        await pilot.press("n")
        await ui.wait_for_screen(FormDialog)
        await ui.fill(body="Walked to the dayroom with her frame.")
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: app.screen is screen)
        await ui.wait_for(lambda: "Walked to the dayroom" in ui.table_text("#notes"))
        await ui.wait_for(lambda: "with her frame" in ui.text_of("#note-detail"))
        note = screen.selected_note()
        assert note is not None
        assert note.body == "Walked to the dayroom with her frame."
