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
import socket
import threading
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
    """Plain HTTP only to this machine; anything else must use https.

    ``timeout`` bounds each wait (to connect, and for each piece of the answer):
    a slow link that keeps delivering is not cut. ``whole_s`` (:meth:`within`)
    bounds the whole request as well, the name lookup included, for a clerk
    who waits at the sign-in for its outcome."""

    def __init__(self, base_url: str, *, whole_s: float | None = None) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError("server", "The server address must look like "
                             "https://records.example.org")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise InputError("server", "The server address must start with https:// (plain "
                             "http is only allowed to this machine).")
        self.base_url = base_url
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")
        self.whole_s = whole_s

    def within(self, whole_s: float) -> HttpTransport:
        """The same server, each request given ``whole_s`` seconds in all."""
        return HttpTransport(self.base_url, whole_s=whole_s)

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        if self.whole_s is None:
            return self._post(path, body, timeout, _Attempt())
        attempt = _Attempt()
        worker = threading.Thread(target=attempt.run, name="chartkeep-bounded-request",
                                  args=(self._post, path, body, min(timeout, self.whole_s)),
                                  daemon=True)
        worker.start()
        worker.join(self.whole_s)
        if worker.is_alive():
            # A name lookup that hangs, or an answer that trickles in: the socket
            # is shut (the worker ends at once; a lookup ends by itself, and the
            # request is then not sent).
            attempt.cancel()
            raise TransportError(f"the server did not answer in {self.whole_s:g} s") \
                from TimeoutError()
        return attempt.outcome()

    def _post(self, path: str, body: bytes, timeout: float,
              attempt: _Attempt) -> tuple[int, bytes]:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=timeout)
        try:
            conn.connect()
            if not attempt.started(conn):
                raise TransportError("the request was given up before it was sent")
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


class _Attempt:
    """One bounded request, run by a worker thread: its connection (so the
    waiting thread can shut it) and its outcome."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: http.client.HTTPConnection | None = None
        self._cancelled = False
        self._result: tuple[int, bytes] | None = None
        self._error: BaseException | None = None

    def run(self, post: Callable[[str, bytes, float, _Attempt], tuple[int, bytes]],
            path: str, body: bytes, timeout: float) -> None:
        try:
            self._result = post(path, body, timeout, self)
        except BaseException as error:  # noqa: BLE001  handed to the waiting thread
            self._error = error

    def started(self, conn: http.client.HTTPConnection) -> bool:
        """The connection is open: False if the request was given up meanwhile."""
        with self._lock:
            self._conn = conn
            return not self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            sock = self._conn.sock if self._conn is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def outcome(self) -> tuple[int, bytes]:
        if self._error is not None:
            raise self._error
        assert self._result is not None  # run() sets one or the other
        return self._result


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
