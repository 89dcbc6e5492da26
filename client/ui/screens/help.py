"""Every key of the screen the clerk came from, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Label, Static

from ..outliving import OutlivesClosing


class HelpScreen(OutlivesClosing, ModalScreen[None]):
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
            yield self._keys_table()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="help-close", variant="primary")

    def _keys_table(self) -> DataTable[Text]:
        """The keys, filled before mounting: nothing to look up once the dialog is up."""
        table: DataTable[Text] = DataTable(id="help-keys", cursor_type="row",
                                           zebra_stripes=True)
        table.add_columns("Key", "Does", "Details")
        for key, description, tooltip in self.rows:
            table.add_row(Text(key, style="bold"), Text(description), Text(tooltip))
        return table

    def on_mount(self) -> None:
        for table in self.query("#help-keys").results(DataTable):
            table.focus()

    @on(Button.Pressed, "#help-close")
    def action_close(self) -> None:
        self.dismiss(None)


def binding_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(key, description, tooltip) for every key of ``screen`` the user may press now.

    The focused widget's keys first, then the screen's and the app's: all of the
    screen's keys are listed even while a text field has the focus (where a letter
    key types instead, the clerk leaves the field with Enter or Tab first).
    Actions the screen disables (``check_action``) are left out.
    """
    app = screen.app
    chain: list[DOMNode] = list(screen.focused.ancestors_with_self) if screen.focused else []
    chain += [node for node in (screen, app) if node not in chain]
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for node in chain:
        if node.is_modal and node is not screen:
            break
        for _key, binding in node._bindings:  # noqa: SLF001  the node's own keys, unfiltered
            if not binding.description:
                continue
            if app._check_action_state(binding.action, node) is False:  # noqa: SLF001  Textual's check
                continue
            key = app.get_key_display(binding)
            if f"{binding.action}:{key}" in seen or key in seen:
                continue
            seen.update({f"{binding.action}:{key}", key})
            rows.append((key, binding.description, binding.tooltip or ""))
    return rows
