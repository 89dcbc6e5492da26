"""A dialog that asks the clerk to pick one of a few answers (one button each)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ..outliving import OutlivesClosing
from ..widgets.key_footer import KeyFooter


class ChoiceDialog(OutlivesClosing, ModalScreen[str | None]):
    """One button per choice; returns the chosen value, ``None`` on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel", tooltip="Choose nothing"),
    ]

    def __init__(self, title: str, intro: str | Text,
                 choices: Sequence[tuple[Text, str]], *, default: int | None = 0) -> None:
        """``default``: the choice Enter takes at once; ``None`` for a choice that cannot
        be taken back (a merge), where the cursor starts on Cancel."""
        super().__init__()
        self.title_text = title
        self.intro = intro
        self.choices = list(choices)
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Static(self.intro if isinstance(self.intro, Text) else Text(self.intro),
                         classes="dialog-intro")
            for index, (label, _value) in enumerate(self.choices):
                yield Button(label, id=f"choice-{index}",
                             variant="primary" if index == self.default else "default")
            yield Button("Cancel", id="choice-cancel")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        target = "#choice-cancel" if self.default is None else f"#choice-{self.default}"
        for button in self.query(target).results(Button):
            button.focus()

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        name = event.button.id or ""
        if name.startswith("choice-") and name != "choice-cancel":
            self.dismiss(self.choices[int(name.removeprefix("choice-"))][1])
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
