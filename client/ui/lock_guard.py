"""Only the unlock takes the lock screen off, and nothing shows above it.

Textual's screen stack knows nothing of the lock. ``Screen.dismiss`` pops whatever
screen is on top, so a dialog under the lock whose worker finished (a save that
landed, a conflict resolved) popped the lock screen and showed the record to
whoever was at the terminal; and a worker's result that opens a dialog pushes it
on top, above the lock. Each dialog used to guard itself; the app guards its stack
instead, for every screen:

- while the lock is on, a screen pushed from under it (a screen's worker, the app
  reporting a failure) is held, and pushed after the unlock in the order asked.
  What the lock screen asks for, or a screen above it (its help, emergency access,
  the switch-user question), goes on top, and so does what the app opens for the
  clerk at the lock screen on purpose (:meth:`LockGuardApp.over_the_lock`: help,
  the command palette, quitting's question);
- a screen dismissed while it is not on top (under the lock, under a question)
  closes when it is on top again, and its result is delivered then
  (:meth:`LockGuardApp.close_screen`; every screen's ``dismiss`` comes here,
  :class:`.outliving.ClosesOnTop`);
- popping the lock screen is refused, except by the unlock
  (:meth:`LockGuardApp.lift_lock`) and by the stack being replaced for another
  clerk (:meth:`LockGuardApp.forget_lock`), which throws away what was held.

Held screens are not pushed beneath the lock instead: Textual only pushes on top,
and mounting a screen under another means copying ``App.push_screen``'s private
steps (which change between versions).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from textual._context import active_message_pump  # whom Textual delivers a result to
from textual.await_complete import AwaitComplete
from textual.dom import NoScreen
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.screen import Screen, ScreenResultCallbackType, ScreenResultType
from textual.widget import AwaitMount, Widget

from .unexpected import SurvivingApp

log = logging.getLogger(__name__)


NOTICE_AFTER_UNLOCK_S = 5.0
"""A notice the lock took off the screen shows again after the unlock for at least
this long (its own time left, if longer)."""


@dataclass
class HeldScreen:
    """A push asked for while the lock was on, to make after the unlock."""

    screen: Screen[Any]
    callback: ScreenResultCallbackType[Any] | None
    asker: MessagePump | None
    """Where the result goes (Textual's requester: the node that asked for the push)."""
    result: asyncio.Future[Any] | None
    """For a push that waits for the result (``wait_for_dismiss``)."""
    mode: str | None


class LockGuardApp(SurvivingApp):
    """The app's screen stack under the lock (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock_screen: Screen[Any] | None = None
        """The lock screen on the stack, while the lock is on."""
        self._held: list[HeldScreen] = []
        self._held_notes: list[dict[str, Any]] = []
        """Notifications asked for from under the lock, shown after the unlock."""
        self._close_on_top: dict[Screen[Any], Any] = {}
        """Screens dismissed while not on top, with their result."""
        self._for_the_clerk = 0

    # --- the lock goes on and comes off ----------------------------------------------

    @property
    def lock_on(self) -> bool:
        return self._lock_screen is not None

    def put_lock_on(self, lock_screen: Screen[Any]) -> None:
        """Push the lock screen: from now on only :meth:`lift_lock` takes it off.
        The notices on show go with the clerk's screens (Textual draws them over
        whatever screen is on top, and one may name a resident: "Okafor, Ada
        registered"): held, and shown again after the unlock for the time they
        had left."""
        self._lock_screen = lock_screen
        for shown in self._notifications:
            if not shown.has_expired:
                self._held_notes.append({
                    "message": shown.message, "title": shown.title,
                    "severity": shown.severity, "markup": shown.markup,
                    "timeout": max(shown.time_left, NOTICE_AFTER_UNLOCK_S)})
        self.clear_notifications()
        super().push_screen(lock_screen)

    def lift_lock(self) -> None:
        """The clerk unlocked: the lock screen comes off, the screens dismissed under
        it close (their results delivered), then what was held is pushed, in order."""
        lock, self._lock_screen = self._lock_screen, None
        stack = self.screen_stack
        if lock is None or lock not in stack:
            return
        for above in reversed(stack[stack.index(lock) + 1:]):
            # The lock's own questions, still open as the unlock finished: answered
            # "no" (quitting's question: the clerk stays), so no caller waits forever.
            Screen.dismiss(above, None)
        self.pop_screen()
        held, self._held = self._held, []
        for push in held:
            self.call_next(self._push_held, push)
        notes, self._held_notes = self._held_notes, []
        for note in notes:
            super().notify(**note)

    def forget_lock(self) -> None:
        """The stack is replaced (another clerk signs in, emergency access opens):
        what was held or waiting to close belonged to the clerk who locked, and the
        next person at the terminal must not see it."""
        self._lock_screen = None
        held, self._held = self._held, []
        self._held_notes = []
        self.clear_notifications()  # the notices on show were the last clerk's too
        self._close_on_top.clear()
        for push in held:
            log.info("%r, held at the lock, dropped: the stack is replaced", push.screen)
            if push.result is not None:
                push.result.cancel()

    @contextmanager
    def over_the_lock(self) -> Iterator[None]:
        """Pushes made inside go on top even while the lock is on: the app opens them
        for the clerk at the lock screen, and they show no one's data."""
        self._for_the_clerk += 1
        try:
            yield
        finally:
            self._for_the_clerk -= 1

    # --- notifications -------------------------------------------------------------

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Show a notification; while the lock is on, one asked for from under it (a
        screen's worker: "Resident registered", a save's outcome) is held and shown
        after the unlock, by the rule pushes follow: it may speak of the record."""
        note = {"title": title, "severity": severity, "timeout": timeout, "markup": markup}
        if self._lock_screen is not None and not self._shows_over_the_lock():
            self._held_notes.append({"message": message, **note})
            log.info("a notification held: the terminal is locked; shown after the unlock")
            return
        super().notify(message, **note)  # type: ignore[arg-type]

    # --- pushing -----------------------------------------------------------------------

    def action_command_palette(self) -> None:
        """ctrl+p: the palette opens for the clerk at the screen on top (at the lock
        screen it offers no section or resident, :mod:`.commands`)."""
        with self.over_the_lock():
            super().action_command_palette()

    if TYPE_CHECKING:

        @overload
        def push_screen(
            self,
            screen: Screen[ScreenResultType] | str,
            callback: ScreenResultCallbackType[ScreenResultType] | None = None,
            wait_for_dismiss: Literal[False] = False,  # noqa: FBT002  Textual's signature
            *,
            mode: str | None = None,
        ) -> AwaitMount: ...

        @overload
        def push_screen(
            self,
            screen: Screen[ScreenResultType] | str,
            callback: ScreenResultCallbackType[ScreenResultType] | None = None,
            wait_for_dismiss: Literal[True] = True,  # noqa: FBT002  Textual's signature
            *,
            mode: str | None = None,
        ) -> asyncio.Future[ScreenResultType]: ...

    def push_screen(  # the overloads above are Textual's
        self,
        screen: Screen[ScreenResultType] | str,
        callback: ScreenResultCallbackType[ScreenResultType] | None = None,
        wait_for_dismiss: bool = False,  # noqa: FBT001, FBT002  Textual's signature
        *,
        mode: str | None = None,
    ) -> AwaitMount | asyncio.Future[ScreenResultType]:
        """Push ``screen``; while the lock is on, hold it unless it may show over the
        lock (see the module's docstring)."""
        if self._lock_screen is None or self._shows_over_the_lock():
            return super().push_screen(screen, callback, wait_for_dismiss,  # type: ignore[call-overload, no-any-return]
                                       mode=mode)
        held = self.get_screen(screen) if isinstance(screen, str) else screen
        result: asyncio.Future[Any] | None = (
            asyncio.get_running_loop().create_future() if wait_for_dismiss else None)
        self._held.append(HeldScreen(held, callback, active_message_pump.get(None),
                                     result, mode))
        log.info("%r held: the terminal is locked; pushed after the unlock", held)
        return result if result is not None else AwaitMount(held, [])

    def _shows_over_the_lock(self) -> bool:
        """Whether a push asked for now may show above the lock: the app opens it for
        the clerk at the lock screen, or the lock screen (or a screen above it) asks."""
        if self._for_the_clerk:
            return True
        stack = self.screen_stack
        asker = _asking_screen()
        if self._lock_screen not in stack or asker not in stack:
            return False
        return stack.index(asker) >= stack.index(self._lock_screen)

    def _push_held(self, push: HeldScreen) -> None:
        """Push a screen held at the lock, its result going where it would have."""
        if self._lock_screen is not None:  # locked again before its turn came
            self._held.append(push)
            return
        callback = push.callback if push.result is None else _resolving(push.result,
                                                                         push.callback)
        asked_by = active_message_pump.set(push.asker) if push.asker is not None else None
        try:
            super().push_screen(push.screen, callback, mode=push.mode)
        finally:
            if asked_by is not None:
                active_message_pump.reset(asked_by)

    # --- closing -------------------------------------------------------------------

    def close_screen(self, screen: Screen[Any], result: Any) -> AwaitComplete:
        """``screen.dismiss(result)``, made safe: Textual's pops whatever is on top.

        On top: dismissed now. Under another screen (the lock, a question): closed,
        with this result, when it is on top again. No longer on the stack (a second
        dismiss, a late worker): nothing to close.
        """
        stack = self.screen_stack
        if screen not in stack:
            log.info("%r dismissed when no longer open: nothing popped", screen)
            return _nothing()
        if screen is self._lock_screen:
            log.warning("the lock screen dismissed: refused; only the unlock removes it")
            return _nothing()
        if stack[-1] is screen:
            return Screen.dismiss(screen, result)
        self._close_on_top.setdefault(screen, result)  # a second dismiss does not change it
        log.info("%r dismissed under %r: closes when it is on top", screen, stack[-1])
        return _nothing()

    def pop_screen(self) -> AwaitComplete:
        """Pop the top screen, unless it is the lock screen (only :meth:`lift_lock`
        takes that off); a screen dismissed under it then closes."""
        stack = self.screen_stack
        if stack and stack[-1] is self._lock_screen:
            log.warning("a pop of the lock screen refused: only the unlock removes it")
            return _nothing()
        popped = super().pop_screen()
        self._close_if_waiting()
        return popped

    def switch_screen(self, screen: Screen[Any] | str) -> AwaitComplete:
        """Replace the top screen, unless it is the lock screen."""
        stack = self.screen_stack
        if stack and stack[-1] is self._lock_screen:
            log.warning("a switch from the lock screen refused: only the unlock removes it")
            return _nothing()
        return super().switch_screen(screen)

    def _close_if_waiting(self) -> None:
        stack = self.screen_stack
        self._close_on_top = {s: r for s, r in self._close_on_top.items() if s in stack}
        if stack and stack[-1] in self._close_on_top:
            # In the screen's own loop, after the ScreenResume the pop just sent it:
            # where a dialog used to close itself on its return.
            stack[-1].call_later(self._close_waiting, stack[-1])

    def _close_waiting(self, screen: Screen[Any]) -> None:
        stack = self.screen_stack
        if stack and stack[-1] is screen and screen in self._close_on_top:
            Screen.dismiss(screen, self._close_on_top.pop(screen))


def _nothing() -> AwaitComplete:
    """An awaitable that is done (Textual's ``AwaitComplete.nothing``, typed)."""
    done: AwaitComplete = AwaitComplete.nothing()  # type: ignore[no-untyped-call]
    return done


def _asking_screen() -> Screen[Any] | None:
    """The screen whose handler is running (Textual's active message pump), if any."""
    pump = active_message_pump.get(None)
    if isinstance(pump, Screen):
        return pump
    if isinstance(pump, Widget):
        try:
            return pump.screen
        except NoScreen:
            return None
    return None


def _resolving(result: asyncio.Future[Any],
               callback: ScreenResultCallbackType[Any] | None) -> ScreenResultCallbackType[Any]:
    """A callback that also sets ``result`` (a held push that waits for its result)."""

    async def delivered(value: Any) -> None:
        if not result.done():
            result.set_result(value)
        if callback is not None:
            outcome = callback(value)
            if inspect.isawaitable(outcome):
                await outcome

    return delivered
