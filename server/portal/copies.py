"""A records manager's review, in the portal, of what the copies of a cloned
terminal sent (:mod:`server.core.clone_review`, the very functions
``chartkeep-server review-copies`` runs): a facility outside the account's
scope, or a terminal of another facility, is not found; every decision is
audited under the account's name."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.core import clone_review
from server.core.clone_review import CloneReview, Decision, QuarantinedTerminal
from server.errors import NotFound
from server.settings import Settings
from server.storage.db import read_tx
from server.storage.models import T

from .principals import Principal
from .scope import facility as facility_in_scope


def terminals(conn: Connection, facility_id: str) -> list[QuarantinedTerminal]:
    return clone_review.quarantined_terminals(conn, facility_id)


def review(conn: Connection, facility_id: str, terminal_id: str, page: int = 1) -> CloneReview:
    """One page of the review (:data:`~server.core.clone_review.PAGE_SIZE` kept operations)."""
    return clone_review.review(conn, facility_id, terminal_id, page=page)


def decide(engine: Engine, settings: Settings, manager: Principal, *, facility_id: str,
           terminal_id: str, kept_id: int, accept: bool) -> Decision:
    with read_tx(engine) as conn:
        facility_in_scope(conn, manager, facility_id)
        owner = conn.execute(sa.select(T.terminals.c.facility_id).where(
            T.terminals.c.id == terminal_id)).scalar()
    if owner != facility_id:
        raise NotFound("There is no such quarantined terminal.")
    return clone_review.decide(engine, settings, terminal_id, kept_id, accept=accept,
                               reviewer=manager.actor)
