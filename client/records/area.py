"""What every area of the session's API shares."""

from __future__ import annotations

from collections.abc import Callable

from ..store.outbox import Actor


class Area:
    """One area of :class:`client.session.Session` (``session.residents``, …).

    An area holds no store of its own: every call asks the session for the
    signed-in actor (who, at which terminal, with which open store and clock),
    so an area kept after the session locked raises ``SessionLocked`` instead
    of touching a closed store.
    """

    def __init__(self, actor: Callable[[], Actor]) -> None:
        self._actor = actor

    @property
    def actor(self) -> Actor:
        return self._actor()
