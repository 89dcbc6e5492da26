"""Users of this terminal: who can sign in here, each through their own key slot.

A user is a record the server sent (a user of this facility, with a role); a
key slot here lets them unlock this terminal's store with their passphrase
(:mod:`client.store.keyslots`). Slots live in ``slots.json`` beside the store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from protocol.records import RecordKind, Role

from ..errors import InputError, NotFound
from ..store.database import RECORDS, audit, loads
from ..store.keyslots import SlotFile, check_password
from ..store.outbox import Actor
from .area import Area
from .permissions import TerminalAction, require_permitted


class TerminalUsers(Area):
    """``session.users``: add a user to this terminal, change one's own passphrase."""

    def __init__(self, actor: Callable[[], Actor], *, slots_path: Path, facility_name: str,
                 store_key: Callable[[], bytes], sleep: Callable[[float], None]) -> None:
        super().__init__(actor)
        self._slots_path = slots_path
        self._facility_name = facility_name
        self._store_key = store_key
        self._sleep = sleep

    def add(self, username: str, password: str) -> None:
        """Give a server-known user of this facility a key slot here (records
        managers only). For a user who already has one, this resets it (the way
        out of a disabled slot)."""
        actor = self.actor
        require_permitted(actor.user, TerminalAction.ADD_USER,
                          what="add users to this terminal")
        with actor.store.read() as conn:
            row = conn.execute(sa.select(RECORDS.c.id, RECORDS.c.data).where(
                RECORDS.c.kind == RecordKind.USER,
                sa.func.lower(RECORDS.c.label) == username.strip().casefold())).first()
        data = loads(row.data) if row is not None and row.data else None
        if row is None or data is None or data.get("active") is False:
            raise NotFound("There is no active user of this facility with that user name; "
                           "sync first if the user was added recently.")
        role = str(data.get("role") or Role.CLERK)
        if role not in (Role.CLERK, Role.RECORDS_MANAGER):
            raise InputError("username", "That user's role does not work at terminals.")
        check_password(password, username=username, facility_name=self._facility_name)
        slots = SlotFile.load(self._slots_path)
        slots.add(str(data.get("id") or row.id), str(data.get("username") or username), role,
                  password, self._store_key())
        slots.save()
        with actor.store.write() as conn:
            audit(conn, actor.clock.ms(), "user_added", actor.user.id, user=row.id)

    def change_password(self, old: str, new: str) -> None:
        """Rewrap the signed-in user's key slot; the store itself is untouched."""
        actor = self.actor
        slots = SlotFile.load(self._slots_path)
        slot, _ = slots.unlock(actor.user.username, old, now_ms=actor.clock.ms(),
                               sleep=self._sleep)
        check_password(new, username=actor.user.username, facility_name=self._facility_name)
        slots.rewrap(slot, new, self._store_key())
        slots.save()
        with actor.store.write() as conn:
            audit(conn, actor.clock.ms(), "password_changed", actor.user.id)
