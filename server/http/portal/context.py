"""What a portal handler needs: the engine and settings, the signed-in
principal, and a way to run a read in the app's thread pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.engine import Engine

from server.portal.principals import Principal
from server.settings import Settings
from server.storage.db import read_tx

from ..state import PRINCIPAL, SERVICE, blocking

R = TypeVar("R")


def engine(request: web.Request) -> Engine:
    return request.app[SERVICE].engine


def settings(request: web.Request) -> Settings:
    return request.app[SERVICE].settings


def principal(request: web.Request) -> Principal:
    """The guard has put one there for every policy but ``portal_open``."""
    return request[PRINCIPAL]


async def read(request: web.Request, fn: Callable[..., R], *args: Any) -> R:
    """``fn(conn, *args)`` in one consistent read, in the thread pool."""
    eng = engine(request)

    def run() -> R:
        with read_tx(eng) as conn:
            return fn(conn, *args)

    return await blocking(request, run)


async def call(request: web.Request, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``fn(engine, settings, *args, **kwargs)`` in the thread pool (a core action)."""
    eng, conf = engine(request), settings(request)
    return await blocking(request, lambda: fn(eng, conf, *args, **kwargs))


