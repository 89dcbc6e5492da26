"""Quitting with changes that have not reached the server yet.

ctrl+q used to end the app at once. The changes were kept in the encrypted store
and sent at the next sync, but the clerk was not told, and a clerk leaving for
the day may want them on the server now. So, when changes wait, the app asks:
sync then quit, quit now (they are sent next time), or stay. A sync that fails
asks again, with the reason.
"""

from __future__ import annotations

from rich.text import Text
from textual import work

from .dialogs.choice import ChoiceDialog
from .display import count
from .engine import Session, SyncReport
from .unexpected import SurvivingApp

SYNC_THEN_QUIT = "sync"
QUIT_NOW = "quit"


class QuittingApp(SurvivingApp):
    """The app's quit: ask first when changes wait to be sent."""

    def __init__(self) -> None:
        super().__init__()
        self._quit_after_sync = False
        self._asking_to_quit = False

    @property
    def session(self) -> Session:
        raise NotImplementedError

    def sync_now(self, *, background: bool) -> None:
        raise NotImplementedError

    async def action_quit(self) -> None:
        if not self.unlocked or self.session.emergency is not None:
            self.exit()  # emergency access cannot sync: pending changes wait, as offline
        elif not self._asking_to_quit:
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
            self._quit_after_sync = True
            self.notify("Sending your changes; Chartkeep closes when the sync is done.",
                        title="Syncing before quitting", markup=False)
            self.sync_now(background=False)

    def quit_after_sync(self, report: SyncReport) -> bool:
        """After a sync: quit, or ask again, when the clerk chose "sync, then quit".

        True when the sync was for quitting (the caller shows nothing more).
        """
        if not self._quit_after_sync:
            return False
        self._quit_after_sync = False
        if report.error is None:
            self.exit()
        elif self.unlocked:
            self._asking_to_quit = True
            self._count_pending(self.session, report.error)
        return True
