"""Emergency ("break the glass") access at this terminal: the session side of
:mod:`protocol.rules.emergency_access`.

A session opened by :func:`client.terminal.emergency_unlock` carries an
:class:`EmergencyAccess`: the reason, the time box, and (once chosen) the one
resident. While it lasts the session is read-only: every area's writes reach
:class:`ReadOnlyStore`, which refuses them before anything is recorded, with
the rule's sentence, and ``session.permits`` says no to everything, so the
screens refuse at entry. The residents area finds residents by name or record
number until one is chosen (:class:`EmergencyResidents`), then opens that one
only. When the time box ends the session locks itself at its next use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy.engine import Connection

from protocol.rules import emergency_access as rule

from .errors import NotPermitted
from .records.residents import Residents
from .store.database import Store
from .store.outbox import Actor
from .views import Page, ResidentRow, ResidentView

ONE_RESIDENT_TEXT = ("Emergency access opens one resident's record only; lock the terminal "
                     "and start emergency access again for another resident.")
FIND_TEXT = "Type part of the resident's name or record number."


@dataclass
class EmergencyAccess:
    """The break-the-glass grant of a session (not persisted: it ends with the session)."""

    reason: str
    started_ms: int
    ends_ms: int
    resident_id: str | None = None
    """The one resident, once chosen (:meth:`client.session.Session.open_emergency_resident`)."""

    def over(self, now_ms: int) -> bool:
        return rule.over(now_ms, self.started_ms, self.ends_ms)


class ReadOnlyStore(Store):
    """An open store seen through emergency access: reads pass, writes are refused."""

    def __init__(self, store: Store) -> None:  # a view of an open store: nothing to open
        self._inner = store
        self.path = store.path
        self.engine = store.engine
        self.rolled_back = store.rolled_back

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._inner.read() as conn:
            yield conn

    def write(self, *, durable: bool = True) -> NoReturn:  # noqa: ARG002  Store's signature
        raise NotPermitted(rule.READ_ONLY_TEXT)

    def close(self) -> None:
        """The session closes the store it owns; a view closes nothing."""


class EmergencyResidents(Residents):
    """Residents under emergency access: find by name or record number until one
    is chosen, then that one only."""

    def __init__(self, actor: Callable[[], Actor], access: EmergencyAccess) -> None:
        super().__init__(actor)
        self._access = access

    def census(self, query: str = "", *, statuses: set[str] | None = None, offset: int = 0,
               limit: int = 50) -> Page[ResidentRow]:
        if self._access.resident_id is not None:
            raise NotPermitted(ONE_RESIDENT_TEXT)
        if not query.strip():
            raise NotPermitted(FIND_TEXT)
        return super().census(query, statuses=statuses, offset=offset, limit=limit)

    def get(self, resident_id: str) -> ResidentView:
        if resident_id != self._access.resident_id:
            raise NotPermitted(ONE_RESIDENT_TEXT)
        return super().get(resident_id)

    def get_chosen(self, resident_id: str) -> ResidentView:
        """Read a resident about to be chosen (the session records the choice)."""
        return super().get(resident_id)
