"""How sync messages reach the server.

A :class:`Transport` posts bytes and returns ``(status, body)``, or raises
:class:`TransportError` when the network fails. :class:`HttpTransport` is the
real one (``http.client``, blocking, no extra dependency). :class:`FaultyTransport`
wraps any transport and drops, duplicates or delays messages, so tests prove
that sync survives a bad link: a lost request, a lost answer, a duplicate, a
delay.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from protocol.codec import MAX_MESSAGE_BYTES
from protocol.plain_http import is_loopback

from ..errors import InputError

CONTENT_TYPE = "application/x-msgpack"


class TransportError(Exception):
    """The request or its answer was lost: the server may or may not have
    handled it. Sync retries; pushes are idempotent."""


class Transport(Protocol):
    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]: ...


class HttpTransport:
    """Plain HTTP only to this machine; anything else must use https."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError("server", "The server address must look like "
                             "https://records.example.org")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise InputError("server", "The server address must start with https:// (plain "
                             "http is only allowed to this machine).")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=timeout)
        try:
            conn.request("POST", self.prefix + path, body=body,
                         headers={"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE})
            response = conn.getresponse()
            data = response.read(MAX_MESSAGE_BYTES + 1)
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(f"the server could not be reached ({exc.__class__.__name__})"
                                 ) from exc
        else:
            return response.status, data
        finally:
            conn.close()




# --- faults for tests -----------------------------------------------------------------

DROP_REQUEST = "drop_request"
"""The request never reaches the server."""
DROP_RESPONSE = "drop_response"
"""The server handles the request; its answer is lost."""
DUPLICATE = "duplicate"
"""The request arrives twice; the caller sees the first answer."""
DELAY = "delay"
"""The request is delivered after a pause (through the injected sleep)."""
FAULTS = (DROP_REQUEST, DROP_RESPONSE, DUPLICATE, DELAY)


@dataclass
class FaultyTransport:
    """Wraps a transport and misbehaves on purpose.

    Faults come from ``plan`` (one entry per call, ``None`` = deliver normally;
    after the plan runs out, calls go through) and/or at random with the given
    probabilities from a seeded ``rng``. ``paths`` limits the faults to some
    routes. ``calls`` records ``(path, fault)`` for assertions."""

    inner: Transport
    plan: Iterable[str | None] = ()
    p_drop_request: float = 0.0
    p_drop_response: float = 0.0
    p_duplicate: float = 0.0
    p_delay: float = 0.0
    delay_s: float = 0.05
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311  test faults
    paths: frozenset[str] | None = None
    sleep: Callable[[float], None] = time.sleep
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    _plan: Iterator[str | None] | None = field(default=None, repr=False)

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        fault = self._next_fault(path)
        self.calls.append((path, fault))
        if fault == DROP_REQUEST:
            raise TransportError("request dropped (test fault)")
        if fault == DELAY:
            self.sleep(self.delay_s)
        answer = self.inner.post(path, body, timeout)
        if fault == DUPLICATE:
            # The copy arrives after the original; its answer goes nowhere.
            with contextlib.suppress(TransportError):
                self.inner.post(path, body, timeout)
        if fault == DROP_RESPONSE:
            raise TransportError("response dropped (test fault)")
        return answer

    def _next_fault(self, path: str) -> str | None:
        if self.paths is not None and path not in self.paths:
            return None
        if self._plan is None:
            self._plan = iter(self.plan)
        planned = next(self._plan, None)
        if planned is not None:
            return planned
        roll = self.rng.random()
        for fault, p in ((DROP_REQUEST, self.p_drop_request),
                         (DROP_RESPONSE, self.p_drop_response),
                         (DUPLICATE, self.p_duplicate), (DELAY, self.p_delay)):
            if roll < p:
                return fault
            roll -= p
        return None


def unreachable() -> Transport:
    """A transport whose every request fails, for offline tests."""

    class _Offline:
        def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:  # noqa: ARG002  Transport's signature
            raise TransportError("offline")

    return _Offline()


__all__ = ["CONTENT_TYPE", "DELAY", "DROP_REQUEST", "DROP_RESPONSE", "DUPLICATE", "FAULTS",
           "FaultyTransport", "HttpTransport", "Transport", "TransportError", "unreachable"]
