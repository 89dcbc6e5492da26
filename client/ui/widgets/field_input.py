"""A one-line field that keeps keys typed ahead in the field the clerk meant.

A terminal delivers keys typed ahead (or pasted, or sent while the app was busy)
in one read, and Textual hands them all to the widget focused when they are read.
``Family`` Enter ``Given`` then reaches the first field whole: Enter and Tab move
the cursor only when they have travelled up to the app's bindings, after the
field has taken the letters behind them, so the form showed ``FamilyGiven`` in
the first field and nothing in the second.

:class:`FieldInput` moves the cursor on Enter (when asked to), Tab and
shift+Tab at once, and passes every key it receives after that on to the widget
the cursor is now in, in the order they were typed. Its own editing keys
(backspace, the arrows, home, end…) act as they arrive, in turn with the letters.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input

MOVES = {"tab": 1, "shift+tab": -1}
"""The keys that move the cursor to the next or previous field, and which way."""


class FieldInput(Input):
    """An :class:`Input` that moves the cursor on at once and passes on what
    was typed past it. ``advance_on_enter``: Enter goes to the next field (no
    ``Submitted``); otherwise Enter submits, as an ``Input`` does."""

    def __init__(self, *args: Any, advance_on_enter: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.advance_on_enter = advance_on_enter

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen if self.is_attached else None
        focused = screen.focused if screen is not None else None
        if screen is None or focused is None:
            await super()._on_key(event)
            return
        if focused is not self:
            # Typed after Enter or Tab moved the cursor on: it belongs there.
            event.stop()
            event.prevent_default()
            focused._forward_event(events.Key(event.key, event.character))  # noqa: SLF001  Textual's own way of handing a key to a widget
            return
        step = MOVES.get(event.key)
        if step is None and event.key == "enter" and self.advance_on_enter:
            step = 1
        if step is not None:
            event.stop()
            event.prevent_default()
            if step > 0:
                screen.focus_next()
            else:
                screen.focus_previous()
            return
        # The field's own editing keys (backspace, left, home…) act here, in turn
        # with the letters: left to travel up to the app's bindings, ``ab``
        # backspace ``c`` typed at once gave ``abc`` less its last letter.
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)
