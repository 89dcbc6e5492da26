"""SVG snapshots of the key screens: fixed terminal size, fixed clock, fixed data.

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and
look at the new SVGs before committing them.
"""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from client.ui.dialogs.form import FormDialog
from client.ui.screens.resident import ResidentScreen
from client.ui.screens.sync import SyncScreen

pytestmark = pytest.mark.tui

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"
SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


@pytest.fixture
def demo_terminal(offline_terminal):
    session = offline_terminal.session()
    people = [("Okafor", "Adaeze", "1941-03-02", "female"),
              ("Smith [Jr]", "Walter", "1938-07-04", "male"),
              ("Delacroix", "Rose", "1939-05-17", "female"),
              ("Nakamura", "Kenji", "1940-01-09", "male")]
    for family, given, born, sex in people:
        resident_id = session.residents.register({"family_name": family, "given_name": given,
                                                 "birth_date": born, "sex": sex})
        session.stays.admit(resident_id, admitted_at="2026-01-02")
        if family == "Okafor":
            session.residents.add_diagnosis(resident_id, {"code": "E11.9", "description":
                                                "Type 2 diabetes mellitus without complications",
                                                "rank": "principal", "status": "active"})
            note = session.notes.add(resident_id, {
                "category": "nursing", "clinical_time": "2026-01-14T08:30",
                "body": "Alert and oriented; walked to breakfast with a frame."})
            session.notes.amend(note, "Alert and oriented; walked to breakfast with a walker.")
    session.lock()
    return offline_terminal


LAST_SCREEN: dict[str, str] = {}
"""The text of the screen the last ``steady`` saw, shown when its snapshot differs."""


def screen_text(svg: str) -> str:
    """The characters of a Textual SVG screenshot, line by line (no colours)."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text[^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(match[2]), []).append((float(match[1]), html.unescape(match[3])))
    return "\n".join("".join(text for _, text in sorted(row)).rstrip()
                     for _, row in sorted(rows.items()))


async def steady(pilot) -> None:
    """Stop the text cursors blinking (hidden), so a snapshot never depends on when
    in the blink it was taken; then wait until two screens a moment apart are the
    same, so a redraw still on its way (a worker's line, the footer refitted) is
    never caught half done."""
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()
    before = pilot.app.export_screenshot()
    for _ in range(50):
        await pilot.pause(0.05)
        now = pilot.app.export_screenshot()
        if now == before:
            break
        before = now
    LAST_SCREEN["text"] = screen_text(before)


@pytest.fixture
def snap(snap_compare, request):
    """``snap_compare``, saying what differs in words when a snapshot does not match
    (the HTML report stays behind on the machine that ran it)."""
    def compare(app, **kwargs) -> bool:
        LAST_SCREEN.clear()
        if snap_compare(app, **kwargs):
            return True
        stored = SNAPSHOTS / f"{request.node.name}.svg"
        expected = screen_text(stored.read_text()) if stored.exists() else "(none stored)"
        diff = difflib.unified_diff(expected.splitlines(), LAST_SCREEN.get("text", "").splitlines(),
                                    "stored", "this run", lineterm="")
        pytest.fail("the screen differs from its snapshot (colours aside, if nothing "
                    "below):\n" + "\n".join(diff), pytrace=False)

    return compare


def signed_in(ui_driver, then=None):
    async def run_before(pilot) -> None:
        ui = ui_driver(pilot)
        await ui.sign_in()
        await ui.wait_for(lambda: pilot.app.screen.query_one("#census-table", DataTable)
                          .row_count == 4)
        # The status line and the page line come from their own workers: wait for both.
        await ui.wait_for(lambda: pilot.app.sync_status is not None
                          and "of 4" in ui.text_of("#census-page"))
        if then is not None:
            await then(ui, pilot)
        await steady(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_unlock_screen(offline_terminal, make_app, drive, snap, size):
    async def run_before(pilot) -> None:
        ui = drive(pilot)
        from client.ui.screens.unlock import UnlockScreen

        screen = await ui.wait_for_screen(UnlockScreen)
        await ui.wait_for(lambda: screen.query_one("#username").value == "alice")
        await steady(pilot)

    assert snap(make_app(offline_terminal), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_census_screen(demo_terminal, make_app, drive, snap, size):
    assert snap(make_app(demo_terminal), terminal_size=size,
                        run_before=signed_in(drive))


@pytest.mark.parametrize("size", SIZES)
def test_resident_screen(demo_terminal, make_app, drive, snap, size):
    async def open_okafor(ui, pilot) -> None:
        table = pilot.app.screen.query_one("#census-table", DataTable)
        table.focus()
        await pilot.press("down", "down", "enter")  # sorted by name: the third is Okafor
        screen = await ui.wait_for_screen(ResidentScreen)
        await ui.wait_for(lambda: screen.view is not None)
        await pilot.press("right", "right", "right")  # the Notes tab
        await pilot.pause()

    assert snap(make_app(demo_terminal), terminal_size=size,
                        run_before=signed_in(drive, open_okafor))


@pytest.mark.parametrize("size", SIZES)
def test_sync_screen(demo_terminal, make_app, drive, snap, size):
    async def open_sync(ui, pilot) -> None:
        await pilot.press("f5")
        screen = await ui.wait_for_screen(SyncScreen)
        await ui.wait_for(lambda: screen.query_one("#pending", DataTable).row_count > 0)

    assert snap(make_app(demo_terminal), terminal_size=size,
                        run_before=signed_in(drive, open_sync))


@pytest.mark.parametrize("size", SIZES)
def test_register_form(demo_terminal, make_app, drive, snap, size):
    async def open_form(ui, pilot) -> None:
        await pilot.press("ctrl+n")
        await ui.wait_for_screen(FormDialog)
        await pilot.press(*"Okafor [Jr]")
        await pilot.press("tab", *"Adaeze", "tab", *"1941-13-02")  # a date that cannot be
        form = ui.app.screen
        # The fields are fitted to the screen after a refresh: wait for it, then draw.
        await ui.wait_for(lambda: form.query_one("#form-fields").styles.max_height is not None)
        await pilot.pause()

    assert snap(make_app(demo_terminal), terminal_size=size,
                        run_before=signed_in(drive, open_form))
