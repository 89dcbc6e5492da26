"""Access policies: every route says who may call it, and the guard enforces it.

``public``      anyone (health checks)
``enrollment``  a new terminal with a one-time code; the envelope is signed by
                the key it asks to enroll
``terminal``    an enrolled, unrevoked terminal whose key signed the envelope

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


def access(policy: Access) -> Callable[[H], H]:
    def mark(handler: H) -> H:
        setattr(handler, POLICY_ATTR, policy)
        return handler

    return mark


def policy_of(handler: object) -> Access | None:
    value = getattr(handler, POLICY_ATTR, None)
    return value if isinstance(value, Access) else None
