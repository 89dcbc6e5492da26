"""An error no handler planned for: written down, shown, and survived.

Textual ends the app on any exception a message handler lets through, and the
clerk sees the terminal vanish with whatever was typed in an open form. The app
routes such errors here instead (``ChartkeepApp._handle_exception``):

- the error's traceback is appended to ``<home>/logs/errors.log`` (the
  terminal's own directory, readable by its user only), so support can see where
  it happened: the exceptions' types and frames, not their messages, which may
  hold a resident's data;
- the widget or screen whose message loop the error ended is found; Textual
  stops that one loop, so a broken screen is taken off the stack (a dead dialog
  would swallow every key) and, when it was a form, what the clerk had typed is
  shown in the message so nothing is lost;
- a dialog tells the clerk what went wrong, that Chartkeep is still running and
  where the details are.

Only an error in the app's own loop cannot be survived; then the app exits with
status 1 after writing the log, never silently.
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Select, TextArea

from .dialogs.message import MessageDialog
from .engine import SessionLocked, TerminalError
from .errors import SessionLockedError
from .workers import show_worker_error

if TYPE_CHECKING:
    from textual.dom import DOMNode

log = logging.getLogger(__name__)

ERROR_LOG = Path("logs") / "errors.log"
"""Where unexpected errors are written, relative to the terminal's home."""


def write_error_log(home: Path, error: BaseException) -> Path:
    """Append ``error``'s traceback to the terminal's error log, without the
    messages (:func:`traceback_without_messages`); its path."""
    return append_to_error_log(home, log_entry("An unexpected error", error))


def log_entry(what: str, error: BaseException) -> str:
    """An error log entry: when, ``what`` failed, and the traceback without messages."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    return (f"--- {stamp}\n{what} (the messages are left out: they may name a "
            f"resident)\n{traceback_without_messages(error)}\n")


def traceback_without_messages(error: BaseException) -> str:
    """``error``'s traceback, its causes first, as Python prints it but with each
    exception's type only. A message may hold a resident's data (a database
    error quotes the row it could not write), and the log is a plain file
    beside the encrypted store (security case 4: no name, record number or
    note text on disk); the clerk sees the message in the dialog."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    lines: list[str] = []
    for raised in reversed(chain):  # the first cause first, as a traceback reads
        lines.append("Traceback (most recent call last):")
        lines.extend(frame.rstrip("\n") for frame in traceback.format_list(
            traceback.extract_tb(raised.__traceback__)))
        lines.append(f"{type(raised).__module__}.{type(raised).__qualname__}")
    return "\n".join(lines) + "\n"


def append_to_error_log(home: Path, entry: str) -> Path:
    """Append ``entry`` to the terminal's error log (its user's only); its path."""
    path = home / ERROR_LOG
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as log_file:
        log_file.write(entry)
    return path


def failed_node(app: App[Any]) -> DOMNode | None:
    """The screen or widget whose message loop is running the current task, if any."""
    task = asyncio.current_task()
    if task is None:
        return None
    for screen in app.screen_stack:
        if getattr(screen, "_task", None) is task:
            return screen
        for widget in screen.walk_children(with_self=False):
            if getattr(widget, "_task", None) is task:
                return widget
    return None


def typed_in(screen: Screen[Any]) -> list[str]:
    """What the clerk typed in ``screen``'s fields, one "label: value" line each."""
    lines: list[str] = []
    for widget in screen.query("Input, TextArea, Select"):
        if isinstance(widget, Input) and not widget.password and widget.value:
            lines.append(f"{widget.id or 'field'}: {widget.value}")
        elif isinstance(widget, TextArea) and widget.text:
            lines.append(f"{widget.id or 'field'}: {widget.text}")
        elif isinstance(widget, Select) and widget.value is not Select.NULL:
            lines.append(f"{widget.id or 'field'}: {widget.value}")
    return [line.removeprefix("field-") for line in lines]


def broken_screen(node: DOMNode | None) -> Screen[Any] | None:
    """The screen to take off the stack: ``node`` itself when it is a screen."""
    return node if isinstance(node, Screen) else None


def tell_the_clerk(app: App[Any], error: BaseException, log_path: Path,
                   kept: list[str]) -> None:
    """The dialog after an unexpected error; ``kept`` is what a closed form held."""
    body = Text(f"{type(error).__name__}: {error}")
    if kept:
        body.append("\n\nWhat you had typed in the form that had to close:\n")
        body.append("\n".join(kept))
    app.push_screen(MessageDialog(
        "Something went wrong",
        body,
        next_step=("Chartkeep is still running; your saved work and your pending changes "
                   f"are safe. The details were written to {log_path}; if this happens "
                   "again, tell your records manager what you were doing."),
    ))


class SurvivingApp(App[None]):
    """The app's half that deals with failures: worker errors, failed actions and
    errors no handler caught all end here, and none of them ends the app unless the
    app's own loop broke."""

    home: Path

    def __init__(self) -> None:
        super().__init__()
        self.unexpected_errors: list[BaseException] = []
        """Errors no handler caught, in order (the app survived each but a fatal last)."""

    @property
    def unlocked(self) -> bool:
        raise NotImplementedError

    def navigate(self, section: str | None) -> None:
        raise NotImplementedError

    def report_worker_error(self, error: BaseException, worker_name: str = "") -> None:
        """Show a failed worker's error to the clerk: a notification or a dialog."""
        if isinstance(error, SessionLockedError | SessionLocked) or not self.unlocked:
            # Work cut short by the lock: the clerk will see fresh data after unlocking.
            log.info("worker %s stopped by the lock: %r", worker_name, error)
            return
        show_worker_error(self, error, worker_name)

    async def _dispatch_action(self, namespace: DOMNode, action_name: str,
                               params: Any) -> bool:
        """Every key, click and command runs here: an action that fails leaves the
        app running (the lock cut it short, the engine refused, or a defect)."""
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except (SessionLockedError, SessionLocked) as error:
            log.info("action %s stopped by the lock: %r", action_name, error)
        except TerminalError as error:
            show_worker_error(self, error, action_name)
        except Exception as error:  # noqa: BLE001  the central handler shows and logs it
            self._survive(error)
        return True

    def _handle_exception(self, error: Exception) -> None:
        """Textual's hook for an error no handler caught: survive it (see ``unexpected``)."""
        if asyncio.current_task() is getattr(self, "_task", None):
            # The app's own loop is ending: nothing can be shown any more.
            self._survive(error, fatal=True)
            super()._handle_exception(error)
        else:
            self._survive(error)

    def _survive(self, error: BaseException, *, fatal: bool = False) -> None:
        """Log ``error``; unless ``fatal``, close what it broke and tell the clerk."""
        self.unexpected_errors.append(error)
        log.error("unexpected error", exc_info=error)
        try:
            log_path = write_error_log(self.home, error)
        except OSError:
            log.exception("could not write the error log")
            log_path = self.home / ERROR_LOG
        if fatal:
            # Printed when the terminal is back to normal, after Textual's own report.
            self._exit_renderables.append(Text(
                f"Chartkeep stopped after an unexpected error: {type(error).__name__}: "
                f"{error}\nDetails: {log_path}"))
            return
        node = failed_node(self)
        broken = broken_screen(node)
        kept = typed_in(broken) if broken is not None else []
        self.call_later(self._recover, broken, error, log_path, kept)

    async def _recover(self, broken: Screen[Any] | None, error: BaseException,
                       log_path: Path, kept: list[str]) -> None:
        from .screens.base import WorkScreen  # the screens import the app's modules
        from .screens.census import CensusScreen

        if broken is not None and broken is self.screen and len(self.screen_stack) > 1:
            if not isinstance(broken, WorkScreen):
                await self.pop_screen()
            elif not isinstance(broken, CensusScreen):
                # A fresh census; a broken census is left (F2 to F8 still work), so an
                # error that recurs on opening cannot loop.
                self.navigate("census" if self.unlocked else None)
        tell_the_clerk(self, error, log_path, kept)


