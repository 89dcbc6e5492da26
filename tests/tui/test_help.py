"""F1 at a shared 80×24 terminal: the screen's own keys come first, every key's
details can be read without scrolling sideways, and the filter's editing keys come
last, under their own heading."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from client.ui.screens.help import EVERYWHERE, THIS_SCREEN, HelpScreen

pytestmark = pytest.mark.tui


async def test_help_at_80_columns_puts_the_screens_keys_first(offline_terminal, make_app,
                                                             drive):
    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        # In the census filter (``/``) its editing keys are the focused widget's, but
        # the clerk pressed F1 for the census's own.
        await pilot.press("slash")
        await pilot.press("f1")
        help_screen = await ui.wait_for_screen(HelpScreen)
        lines = ui.table_text("#help-keys").splitlines()
        headings = [line.split(" | ")[1] for line in lines if line.startswith(" | ")]
        assert headings[:2] == [THIS_SCREEN, EVERYWHERE]
        assert headings[2] == "While typing in a field"
        new_resident = next(i for i, line in enumerate(lines) if "New resident" in line)
        editing = next(i for i, line in enumerate(lines) if "Delete character left" in line)
        sync = next(i for i, line in enumerate(lines) if "Sync now" in line)
        assert new_resident < sync < editing

        table = help_screen.query_one("#help-keys", DataTable)
        await ui.wait_for(lambda: table.virtual_size.width > 0)
        assert table.virtual_size.width <= table.scrollable_content_region.width

        # Moving onto a key shows its details under the table, whole.
        await ui.wait_for(lambda: table.has_focus)
        row = next(i for i, line in enumerate(lines) if "Sync now" in line)
        for _ in range(row - table.cursor_row):
            await pilot.press("down")
        detail = help_screen.query_one("#help-detail", Static)
        tip = next(r.tooltip for r in help_screen.rows if r.description == "Sync now")
        assert tip  # the app's keys carry their details
        await ui.wait_for(lambda: tip in str(detail.render()))
        await pilot.press("escape")
        await ui.wait_for(lambda: not isinstance(app.screen, HelpScreen))



async def test_f1_in_a_form_lists_the_forms_keys(offline_terminal, make_app, drive):
    """A form is a modal screen, where Textual stops the app's keys: driven at 80×24,
    F1 in a form did nothing and the form's footer did not start with it."""
    from textual.widgets._footer import FooterKey

    from client.ui.dialogs.form import FormDialog

    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("ctrl+n")
        form = await ui.wait_for_screen(FormDialog)
        await ui.wait_for(lambda: list(form.query(FooterKey)))
        assert next(iter(form.query(FooterKey))).action == "app.help"
        await pilot.press("f1")
        await ui.wait_for_screen(HelpScreen)
        lines = ui.table_text("#help-keys").splitlines()
        assert any("Save" in line for line in lines)
        assert any("Delete character left" in line for line in lines)  # the field's keys
        assert not any("Census" in line for line in lines)  # F2 does not work in a form
        await pilot.press("escape")
        await ui.wait_for(lambda: app.screen is form)


async def test_the_palette_offers_one_help_the_apps(offline_terminal, make_app, drive):
    """Driven at 80×24, the palette's "Keys" (Textual's own key panel) took half the
    lock screen, named keys as Textual does and stayed: esc did not close it."""
    from client.ui.screens.unlock import UnlockScreen

    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        screen = await ui.wait_for_screen(UnlockScreen)
        titles = {command.title: command.help for command in app.get_system_commands(screen)}
        assert "Keys" not in titles
        assert "Screenshot" not in titles
        assert "asks first" in titles["Quit"]


@pytest.mark.parametrize("where", ["list", "form", "sign-in"])
async def test_every_key_says_what_it_does(offline_terminal, make_app, drive, where):
    """Textual's own keys (a list's ←, →, home, end; a field's) had a word or two and
    no details: F1 showed "home  Home", and nothing under the table on ← or →."""
    from textual.widgets import DataTable as Table

    from client.ui.screens.unlock import UnlockScreen

    app = make_app(offline_terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        ui = drive(pilot)
        if where == "sign-in":
            screen = await ui.wait_for_screen(UnlockScreen)
            await ui.wait_for(lambda: screen.query_one("#username").value)
            screen.query_one("#users").focus()
        else:
            await ui.sign_in()
            app.screen.query_one("#census-table", Table).focus()
            if where == "form":
                await pilot.press("ctrl+n")
        await pilot.pause(0.2)
        await pilot.press("f1")
        help_screen = await ui.wait_for_screen(HelpScreen)
        rows = help_screen.rows
        assert [row for row in rows if not row.tooltip] == []
        named = {"home", "end", "top", "bottom", "select", "up", "down", "first", "last"}
        assert [row for row in rows if row.description.lower() in named | {row.key}] == []

        # On the → row, its details show under the table.
        table = help_screen.query_one("#help-keys", DataTable)
        await ui.wait_for(lambda: table.has_focus)
        lines = ui.table_text("#help-keys").splitlines()
        right = next(i for i, line in enumerate(lines) if line.startswith("→ | "))
        for _ in range(right - table.cursor_row):
            await pilot.press("down")
        detail = help_screen.query_one("#help-detail", Static)
        tip = next(row.tooltip for row in rows if row.key == "→")
        await ui.wait_for(lambda: str(detail.render()) == f"→: {tip}")
