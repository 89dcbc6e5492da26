"""Every key of the screen the clerk came from, with what it does."""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from ..outliving import OutlivesClosing
from ..widgets.key_footer import KeyFooter
from .help_words import plain_words

NEVER_SENT = ("super+",)
"""Keys a terminal never passes to the program (the command or Windows key):
Textual binds them for its own web and desktop drivers, not for a clerk."""

THIS_SCREEN = "On this screen"
EVERYWHERE = "On every screen"


class KeyRow(NamedTuple):
    """One key the clerk may press now: where it works, the key, what it does."""

    group: str
    key: str
    description: str
    tooltip: str


class HelpScreen(OutlivesClosing, ModalScreen[None]):
    """Keys of the screen below: its own first, then every screen's, then the
    focused field's (editing keys a clerk rarely looks for)."""

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
            yield Static("ctrl+p finds any command, screen or resident by name. "
                         "↑ ↓ move through the keys.", classes="dialog-intro")
            yield self._keys_table()
            yield Static("", id="help-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="help-close", variant="primary")
        yield KeyFooter()  # the help's own keys, not the screen's behind it

    def _keys_table(self) -> DataTable[Text]:
        """The keys under their group's heading, filled before mounting: nothing to
        look up once the dialog is up. A key's details show under the table (they
        would not fit beside it on an 80-column terminal)."""
        table: DataTable[Text] = DataTable(id="help-keys", cursor_type="row",
                                           zebra_stripes=True)
        table.add_columns("Key", "Does")
        group = None
        for row in self.rows:
            if row.group != group:
                group = row.group
                table.add_row(Text(""), Text(group, style="bold underline"))
            table.add_row(Text(row.key, style="bold"), Text(row.description),
                          key=f"{len(table.rows)}")
        return table

    def on_mount(self) -> None:
        for table in self.query("#help-keys").results(DataTable):
            table.focus()
            if table.row_count > 1:
                table.move_cursor(row=1)  # the first key, under its heading

    @on(DataTable.RowHighlighted, "#help-keys")
    def _show_detail(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted key's details, or its group's when on a heading."""
        cells = event.data_table.get_row_at(event.cursor_row)
        key, does = str(cells[0]), str(cells[1])
        detail = next((row.tooltip for row in self.rows
                       if row.key == key and row.description == does), "")
        text = f"{key}: {detail}" if key and detail else ""
        self.query_one("#help-detail", Static).update(text)

    @on(Button.Pressed, "#help-close")
    def action_close(self) -> None:
        self.dismiss(None)


def binding_rows(screen: Screen[object]) -> list[KeyRow]:
    """Every key of ``screen`` the user may press now, grouped.

    The screen's own keys come first (what the clerk opened help for), then the
    keys that work on every screen, then the focused field's or list's own keys.
    All of the screen's keys are listed even while a text field has the focus
    (where a letter key types instead, the clerk leaves the field with Enter or Tab
    first). Actions the screen disables (``check_action``) are left out; a key is
    listed once, in the first group that has it.
    """
    app = screen.app
    focused: list[DOMNode] = list(screen.focused.ancestors_with_self) if screen.focused else []
    widget_nodes = [node for node in focused if node is not screen and node is not app]
    # The containers between the screen and the focused widget belong to the screen.
    field = widget_nodes[:1]
    containers = widget_nodes[1:]
    order: list[tuple[str, list[DOMNode]]] = [
        (THIS_SCREEN, [*containers, screen]),
        (EVERYWHERE, [app]),
        (_field_group(field[0]) if field else "", field),
    ]
    rows: list[KeyRow] = []
    seen: set[str] = set()
    for group, nodes in order:
        for node in nodes:
            if node.is_modal and node is not screen:
                return rows
            generic = _textuals(node) if group in (THIS_SCREEN, EVERYWHERE) else set()
            for binding in _chartkeeps_first(node):
                if not binding.description or binding.key.startswith(NEVER_SENT) or (
                        (binding.key, binding.action) in generic
                        and not _chartkeeps_action(node, binding.action)):
                    continue
                if app._check_action_state(binding.action, node) is False:  # noqa: SLF001  Textual's check
                    continue
                key = app.get_key_display(binding)
                if f"{binding.action}:{key}" in seen or key in seen:
                    continue
                seen.update({f"{binding.action}:{key}", key})
                rows.append(KeyRow(group, key, *plain_words(node, binding)))
    return rows


def _textuals(node: DOMNode) -> set[tuple[str, str]]:
    """(key, action) of every key Textual's own classes give ``node``."""
    return {pair for cls in type(node).__mro__ if cls.__module__.startswith("textual.")
            for pair in _declared(cls)}


def _chartkeeps_action(node: DOMNode, action: str) -> bool:
    """Whether Chartkeep does the work of ``action`` (ctrl+q asks before quitting),
    not Textual alone (tab to the next widget, copy selected text: keys of every
    Textual program, not the screen's, and left out of the screen's list)."""
    namespace, _, name = action.rpartition(".")
    target = {"app": node.app, "screen": node.screen}.get(namespace, node)
    method = getattr(type(target), f"action_{name.split('(')[0]}", None)
    return method is not None and not method.__module__.startswith("textual.")


def _chartkeeps_first(node: DOMNode) -> list[Binding]:
    """The node's keys, Chartkeep's own before those every Textual screen or widget
    has (tab, copy, cursor keys): a clerk looks for the screen's work first."""
    generic = _textuals(node)
    bindings = [binding for _key, binding in node._bindings]  # noqa: SLF001  the node's own keys, unfiltered
    return sorted(bindings, key=lambda binding: (binding.key, binding.action) in generic)


def _declared(cls: type) -> set[tuple[str, str]]:
    """(key, action) of every key a class declares itself."""
    pairs: set[tuple[str, str]] = set()
    for item in cls.__dict__.get("BINDINGS", []):
        spec, action = (item.key, item.action) if isinstance(item, Binding) else item[:2]
        pairs.update((part.strip(), action) for part in spec.split(","))
    return pairs


def _field_group(node: DOMNode) -> str:
    """How the clerk would name the focused widget's keys."""
    if isinstance(node, Input | TextArea):
        return "While typing in a field"
    if isinstance(node, DataTable):
        return "In the list"
    if isinstance(node, Select):
        return "In a choice list"
    if isinstance(node, Widget):
        return "On the highlighted item"
    return THIS_SCREEN
