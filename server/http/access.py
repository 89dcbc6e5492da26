"""Access policies: every route says who may call it, and the guard enforces it.

``public``      anyone (health checks)
``enrollment``  a new terminal with a one-time code; the envelope is signed by
                the key it asks to enroll
``terminal``    an enrolled, unrevoked terminal whose key signed the envelope
``portal_open``   portal pages anyone may open: sign-in, an inspector's link
``account``       a signed-in administrator or regional manager
``administrator`` a signed-in administrator
``inspector``     an inspector holding a redeemed, unexpired, unrevoked access

Portal policies are enforced by :mod:`server.http.portal.guard`; a principal
of the wrong kind gets 404, as for a page that does not exist.

A route without a policy is refused by the guard (deny by default), and a test
walks the router to make sure none exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Callable[..., Any])

POLICY_ATTR = "__chartkeep_access__"


class Access(StrEnum):
    PUBLIC = "public"
    ENROLLMENT = "enrollment"
    TERMINAL = "terminal"
    PORTAL_OPEN = "portal_open"
    ACCOUNT = "account"
    ADMINISTRATOR = "administrator"
    INSPECTOR = "inspector"


PORTAL_POLICIES = frozenset({Access.PORTAL_OPEN, Access.ACCOUNT, Access.ADMINISTRATOR,
                             Access.INSPECTOR})


def access(policy: Access) -> Callable[[H], H]:
    def mark(handler: H) -> H:
        setattr(handler, POLICY_ATTR, policy)
        return handler

    return mark


def policy_of(handler: object) -> Access | None:
    value = getattr(handler, POLICY_ATTR, None)
    return value if isinstance(value, Access) else None
