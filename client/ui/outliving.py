"""Screens that outlive the lock and their own closing.

Two things end a screen's message loop that are no defect of the screen:

- the terminal locked just as a handler asked for the session (a page of the
  census arrived as ctrl+l was pressed): the handler stops there, and the screen
  reads its data again after the unlock;
- the screen was closed while it was still opening (type-ahead: ctrl+n F3 in one
  read pushes a form and then leaves the section, taking the form with it): its
  ``on_mount`` finds no widgets to focus, and there is nothing left to do.

Without this mixin Textual would end the screen's loop and the app would report
an unexpected error; every screen and dialog of the app mixes it in.

A screen's ``dismiss`` goes through the app too (:class:`ClosesOnTop`): Textual's
pops whatever screen is on top, and under the lock that is the lock screen.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.app import App
from textual.await_complete import AwaitComplete
from textual.css.query import NoMatches
from textual.message import Message

from .errors import SessionLockedError

log = logging.getLogger(__name__)


class ClosesOnTop:
    """Mixin for screens: ``dismiss`` closes this screen, not the one on top.

    The app decides (``close_screen``, :mod:`.lock_guard`): at once when the screen
    is on top, else when it is on top again (after the unlock, after the question
    above it), with the result given now; a screen already closed closes nothing.
    """

    app: App[Any]

    def dismiss(self, result: Any = None) -> AwaitComplete:
        close = getattr(self.app, "close_screen", None)
        if close is None:  # an app without the guard (a test's bare App)
            return super().dismiss(result)  # type: ignore[misc, no-any-return]  # Textual's Screen
        closed: AwaitComplete = close(self, result)
        return closed


class OutlivesClosing(ClosesOnTop):
    """Mixin for screens: a lock or an early close stops a handler, not the screen
    (and a dismiss closes this screen, :class:`ClosesOnTop`)."""

    app: App[Any]

    async def _on_message(self, message: Message) -> None:
        try:
            await super()._on_message(message)  # type: ignore[misc]  # Textual's MessagePump
        except SessionLockedError:
            log.info("%r: %s stopped by the lock", self, type(message).__name__)
        except NoMatches:
            me: object = self
            if me in self.app.screen_stack:
                raise  # a screen that is showing lacks a widget: a defect, reported
            log.info("%r closed while opening: %s dropped", self, type(message).__name__)
