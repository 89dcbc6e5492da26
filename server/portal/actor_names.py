"""Who did something, in words: the records keep an actor as a terminal user's id
or as ``portal:<login>`` for a portal account; pages and reports show the
person's name (their display name, else their login), never the raw id."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.storage.models import T
from server.storage.portal_models import P

PORTAL = "portal:"


def actor_names(conn: Connection, actors: Iterable[str | None]) -> dict[str, str]:
    """Each actor's name; an actor no table knows keeps its stored text."""
    wanted = {a for a in actors if a}
    logins = {a.removeprefix(PORTAL) for a in wanted if a.startswith(PORTAL)}
    user_ids = sorted(a for a in wanted if not a.startswith(PORTAL))
    names = {a: a for a in wanted}
    if user_ids:
        for row in conn.execute(sa.select(T.users.c.id, T.users.c.username,
                                          T.users.c.display_name)
                                .where(T.users.c.id.in_(user_ids))):
            names[row.id] = row.display_name or row.username
    if logins:
        for account in conn.execute(
                sa.select(P.accounts.c.username, P.accounts.c.display_name)
                .where(P.accounts.c.username.in_(sorted(logins)))):
            names[PORTAL + account.username] = account.display_name or account.username
    return names
