"""Quitting with changes that have not reached the server yet.

ctrl+q used to end the app at once. The changes were kept in the encrypted store
and sent at the next sync, but the clerk was not told, and a clerk leaving for
the day may want them on the server now. So, when changes wait, the app asks:
sync then quit, quit now (they are sent next time), or stay. A sync that fails
asks again, with the reason.

Before that, nothing typed is thrown away without a question: a form with
changed fields (even one under the lock screen) makes the app ask "discard
what you typed?", and a save still running is waited for, so the store is not
closed under a write that the clerk saw as done.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work

from .app_workers import AppWorkersApp
from .dialogs.choice import ChoiceDialog
from .dialogs.form import DISCARD, FormDialog
from .display import count
from .engine import Session, SyncReport

SYNC_THEN_QUIT = "sync"
QUIT_NOW = "quit"


class QuittingApp(AppWorkersApp):
    """The app's quit: ask first when changes wait to be sent."""

    def __init__(self) -> None:
        super().__init__()
        self._quit_after_sync: int | None = None
        """The sync (its run number) "sync, then quit" waits for: the one it started,
        or the one queued behind a sync from before the lock. Another sync's end
        (the old one's) neither quits nor disarms it."""
        self._asking_to_quit = False
        self._quit_when_saved = False

    @property
    def session(self) -> Session:
        raise NotImplementedError

    def sync_now(self, *, background: bool) -> None:
        raise NotImplementedError

    def awaited_sync_run(self) -> int:
        """The run number of the sync a clerk's ctrl+s just started or queued."""
        raise NotImplementedError

    def open_forms(self) -> list[FormDialog[object]]:
        """The data-entry dialogs open anywhere in the stack (under the lock too)."""
        return [s for s in self.screen_stack if isinstance(s, FormDialog)]

    def save_settled(self) -> None:
        """A form's save ended: the quit that waited for it goes on."""
        if self._quit_when_saved and not any(f.saving for f in self.open_forms()):
            self._quit_when_saved = False
            self.call_later(self.action_quit)

    async def action_quit(self) -> None:
        if self._asking_to_quit:
            return
        forms = self.open_forms()
        if any(form.saving for form in forms):
            self._quit_when_saved = True
            with self.over_the_lock():  # quitting is asked at the lock screen too
                self.notify("Saving; Chartkeep closes when the save is done.",
                            title="Saving before quitting", markup=False)
            return
        self._asking_to_quit = True
        self.unless_typed_is_kept(self._quit_checking_changes, "Quitting",
                                  "Discard the entries and quit",
                                  on_stay=lambda: setattr(self, "_asking_to_quit", False))

    def unless_typed_is_kept(self, then: Callable[[], object], doing: str, discard: str,
                             on_stay: Callable[[], object] | None = None) -> None:
        """Run ``then``, after asking when an open form has entries it would throw
        away (quitting, another clerk signing in at the lock screen)."""
        typed = [form for form in self.open_forms() if form.typed_changes()]
        if not typed:
            then()
            return

        def chosen(choice: str | None) -> None:
            if choice == DISCARD:
                then()
            elif on_stay is not None:
                on_stay()

        with self.over_the_lock():  # asked at the lock screen too; its text names no one
            self.push_screen(ChoiceDialog("Discard what you typed?", _typed_text(
                typed, doing, locked=not self.unlocked), [(Text(discard), DISCARD)],
                default=None), chosen)

    def _quit_checking_changes(self) -> None:
        if not self.unlocked or self.session.emergency is not None:
            self.exit()  # emergency access cannot sync: pending changes wait, as offline
        else:
            self._asking_to_quit = True
            self._count_pending(self.session)

    @work(thread=True, exclusive=True, group="quit", exit_on_error=False)
    def _count_pending(self, session: Session, failure: str = "") -> None:
        try:
            pending = session.outbox.status().pending
        except BaseException:
            # The terminal locked meanwhile, say: the next ctrl+q asks again.
            self.call_from_thread(setattr, self, "_asking_to_quit", False)
            raise
        self.call_from_thread(self._quit_or_ask, pending, failure)

    def _quit_or_ask(self, pending: int, failure: str = "") -> None:
        if not pending:
            self.exit()
            return
        intro = Text()
        if failure:
            intro.append(f"The sync did not finish: {failure}\n\n", style="bold")
        intro.append(f"{count(pending, 'change')} made at this terminal "
                     f"{'has' if pending == 1 else 'have'} not reached the server yet. "
                     "They are kept safely here and are sent at the next sync, whenever "
                     "Chartkeep runs again.")
        self.push_screen(ChoiceDialog("Quit Chartkeep?", intro, [
            (Text("Sync, then quit"), SYNC_THEN_QUIT),
            (Text("Quit now; send them next time"), QUIT_NOW),
        ]), self._quit_chosen)

    def _quit_chosen(self, choice: str | None) -> None:
        self._asking_to_quit = False
        if choice == QUIT_NOW:
            self.exit()
        elif choice == SYNC_THEN_QUIT:
            with self.over_the_lock():  # quitting is asked at the lock screen too
                self.notify("Sending your changes; Chartkeep closes when the sync is done.",
                            title="Syncing before quitting", markup=False)
            self.sync_now(background=False)
            self._quit_after_sync = self.awaited_sync_run()

    def sync_broke(self, error: BaseException | None, run: int) -> None:
        """Sync ``run`` ended without a report (it broke, or the lock cut it short):
        a quit waiting for it asks again, as after a failed sync, and is never left
        armed for a later sync to set off (the clerk would see Chartkeep close
        unasked)."""
        if self._quit_after_sync != run:
            return
        self._quit_after_sync = None
        if self.unlocked and error is not None:
            self._asking_to_quit = True
            self._count_pending(self.session, f"it stopped ({type(error).__name__})")

    def quit_after_sync(self, report: SyncReport, run: int) -> bool:
        """After a sync: quit, or ask again, when the clerk chose "sync, then quit".

        True when sync ``run`` was the one quitting waited for (the caller shows
        nothing more).
        """
        if self._quit_after_sync != run:
            return False
        self._quit_after_sync = None
        if report.error is None:
            self.exit()
        elif self.unlocked:
            self._asking_to_quit = True
            self._count_pending(self.session, report.error)
        return True


def _typed_text(forms: list[FormDialog[object]], doing: str, *, locked: bool) -> Text:
    """Which forms would lose entries; under the lock, not their titles (a title
    names a resident or a staff member, and the lock screen shows no one's data)."""
    if locked:
        where = "A form left open when the terminal was locked"
    else:
        where = "The form " + ", ".join(f"\u201c{form.form_title}\u201d" for form in forms)
    return Text(f"{where} has entries that are not saved. {doing} now throws them "
                "away. Cancel to go back and save them (ctrl+s in the form).")
