"""Every key of the screen the clerk came from, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Label, Static


class HelpScreen(ModalScreen[None]):
    """Keys of the screen below (its own, its widgets' and the app's)."""

    BINDINGS = [
        Binding("escape,f1,q", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        # Read now: once this dialog is on top, the app disables navigation keys.
        self.rows = binding_rows(screen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static("ctrl+p opens the command palette: type to find any command, "
                         "screen or resident.", classes="dialog-intro")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="help-close", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Does", "Details")
        for key, description, tooltip in self.rows:
            table.add_row(Text(key, style="bold"), Text(description), Text(tooltip))
        table.focus()

    @on(Button.Pressed, "#help-close")
    def action_close(self) -> None:
        self.dismiss(None)


def binding_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(key, description, tooltip) for every enabled binding of ``screen``."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or not active.enabled:
            continue
        key = screen.app.get_key_display(binding)
        if f"{binding.action}:{key}" in seen:
            continue
        seen.add(f"{binding.action}:{key}")
        rows.append((key, binding.description, binding.tooltip or ""))
    return rows
