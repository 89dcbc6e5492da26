"""Typed keys for the application's and requests' state (aiohttp ``AppKey``/``RequestKey``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from sqlalchemy.engine import Engine

from protocol.signing import Envelope

from .core.authentication import TerminalInfo
from .core.service import SyncService
from .settings import Settings

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", Engine)
SERVICE = web.AppKey("service", SyncService)
EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)

ENVELOPE = web.RequestKey("envelope", Envelope)
AUTH = web.RequestKey("auth", tuple[Envelope, TerminalInfo])
