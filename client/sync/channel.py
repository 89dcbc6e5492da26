"""One signed exchange with the server, retried over a bad link.

Each request is a sealed envelope whose message counter is committed before it
is sent, so a crash can never reuse one; each answer must be signed with the
server key pinned at enrollment, or a newer one the pinned key announced
(``POST /v1/keys``, :mod:`protocol.key_rotation`), and name our request (``re``). Network trouble
and server overload are retried with bounded exponential backoff and jitter; a
counter the server has seen already steps ahead in growing, audited steps (a
store restored from an older copy is behind by many); anything else ends the round with a sentence
for the clerk (:class:`client.errors.SyncError`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from protocol.codec import decode
from protocol.errors import ProtocolError, SignatureError
from protocol.key_rotation import chain_from_wire, follow
from protocol.messages import ReregisterRequest, error_from_wire
from protocol.reasons import REASON_TEXT, Reason
from protocol.signing import (
    Envelope,
    open_envelope,
    private_from_bytes,
    seal,
    seal_encoded,
)

from ..clock import Clock
from ..errors import SyncError
from ..store.database import Store, audit, get_meta, set_meta
from .transport import Transport, TransportError

TIMEOUT_S = 30.0
MAX_ATTEMPTS = 5
MAX_TIMEOUTS = 2
"""Requests that got no answer in ``TIMEOUT_S`` before a round gives up. A server
that accepts the connection and then says nothing (hung, stopped, a proxy holding
the line) would otherwise keep the clerk at "Syncing" for five timeouts and their
backoff, about three minutes. A second try covers a lost packet; the same batch
again would wait as long again (each push batch is sent again whole next time,
and the server takes each operation once)."""
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
REPLAY_BUMP = 1000
MAX_REPLAY_STEPS = 24

UNREACHABLE = ("The server could not be reached; your changes are kept and will be sent at "
               "the next sync.")
REVOKED = ("The server does not recognise this terminal (it was revoked or is unknown); "
           "ask a regional manager to enroll it again. Your changes are kept.")
NOT_ANSWERING = ("The server is not answering (it took the connection but sent nothing); "
                 "your changes are kept and will be sent at the next sync.")
BAD_ANSWER = "The server's answer could not be verified; your changes are kept."
QUARANTINED = ("Two machines are using this terminal's identity (a copied disk or image). "
               "The server accepts nothing more from either until both are enrolled again; "
               "nothing is lost: your changes are kept here (and what reached the server is "
               "held for review). Ask for an enrollment code and enroll this terminal again; "
               "its pending changes are carried over.")


class Channel:
    """Signed request/answer exchanges between this terminal and its server."""

    def __init__(self, store: Store, transport: Transport, *, clock: Clock, terminal_id: str,
                 sleep: Callable[[float], None], max_attempts: int = MAX_ATTEMPTS,
                 timeout: float = TIMEOUT_S, max_timeouts: int = MAX_TIMEOUTS,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self.terminal_id = terminal_id
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.max_timeouts = max_timeouts
        """Requests that got no answer in ``timeout`` before the exchange gives up."""
        self.rng = rng or random.Random()  # noqa: S311  retry jitter, not a secret
        self.on_retry: Callable[[str], None] | None = None
        """Told, in words, each time a request is tried again (the status line says
        "Server not answering — retrying (2 of 2)" instead of only "Syncing")."""
        self.reached = False
        """Whether any request got an answer (the status line's online or offline)."""
        self.server_ms: int | None = None
        """The server's time in the latest verified answer (a contact: the offline
        window starts again)."""
        self.server_offset: int | None = None
        """The server's clock minus ours at the latest verified answer."""
        self._last_counter = 0
        """The highest message counter this channel committed."""
        with store.read() as conn:
            self._key = private_from_bytes(bytes.fromhex(get_meta(conn, "terminal_key")))
            self._server_key = bytes.fromhex(get_meta(conn, "server_key"))

    def exchange(self, path: str, msg_type: str, body: Any, reply_type: str, *,
                 sealed: Envelope | None = None, encoded: bool = False) -> Any:
        """Send ``body`` as a ``msg_type`` envelope; return the verified answer's body.

        ``sealed`` is that envelope sealed beforehand (:meth:`seal`): sent first,
        so an exchange started on another thread commits no counter of its own
        unless it must retry. Sealed before an exchange that then sealed again
        (a retry), its counter is no longer the highest sent and the server
        would take it for a replay: it is sealed anew instead (the counter it
        held is skipped, which the server accepts). ``encoded``: ``body`` is
        msgpack bytes already."""
        failures = timeouts = 0
        replays = 0
        reregistered = False
        if sealed is not None and sealed.counter < self._last_counter:
            sealed = None
        while True:
            request, sealed = sealed or self._seal(msg_type, body, encoded=encoded), None
            try:
                status, data = self.transport.post(path, request.to_bytes(), self.timeout)
            except (TransportError, OSError) as exc:
                failures += 1
                timed_out = _timed_out(exc)
                timeouts += timed_out
                limit = (min(self.max_attempts, self.max_timeouts) if timed_out
                         else self.max_attempts)
                if timed_out and timeouts >= limit:
                    raise SyncError(NOT_ANSWERING) from exc
                if failures >= self.max_attempts:
                    raise SyncError(UNREACHABLE) from exc
                self._retrying("Server not answering" if timed_out else "Server not reached",
                               (timeouts if timed_out else failures) + 1, limit)
                self._backoff(failures)
                continue
            self.reached = True
            if status == 200:
                return self._open_reply(data, request, reply_type)
            code, detail = _error_body(data)
            if status == 409 and code == "replayed_message" and replays < MAX_REPLAY_STEPS:
                # The counter is behind the server's: a counter step lost in a
                # power cut, or a store restored from an older copy. Step past
                # it (each step audited by the server, and here).
                replays += 1
                step = REPLAY_BUMP * 2 ** (replays - 1)
                self._bump_counter(step)
                with self.store.write(durable=False) as conn:
                    audit(conn, self.clock.ms(), "message_counter_behind", None, step=step)
                continue
            if status == 401:
                if reregistered or not self._reregister():
                    raise SyncError(REVOKED, retry=False)
                reregistered = True
                continue
            if status == 403 and code == "terminal_quarantined":
                with self.store.write() as conn:
                    set_meta(conn, "quarantined", True)
                    audit(conn, self.clock.ms(), "terminal_quarantined", None)
                raise SyncError(QUARANTINED, retry=False)
            if status == 426:
                raise SyncError(REASON_TEXT[Reason.UPGRADE_REQUIRED], retry=False)
            if status == 400 and code == "invalid_message" and "unknown field" in detail:
                # A server from before this terminal's protocol refuses the
                # fields it does not know: it is too old; nothing was handled.
                raise SyncError(REASON_TEXT[Reason.SERVER_TOO_OLD], retry=False)
            if status >= 500 or status == 429:
                failures += 1
                if failures >= self.max_attempts:
                    raise SyncError("The server is having trouble; your changes are kept and "
                                    "will be sent at the next sync.")
                self._retrying("Server busy", failures + 1, self.max_attempts)
                self._backoff(failures)
                continue
            raise SyncError(f"The server refused the sync ({code}): {detail}".rstrip(": "),
                            retry=False)

    def _reregister(self) -> bool:
        """The server does not know this terminal: if it holds the certificate
        the server gave it at enrollment, present it (a server restored from a
        backup older than the enrollment registers it again). True if it did."""
        with self.store.read() as conn:
            cert = get_meta(conn, "terminal_cert")
            generation = get_meta(conn, "log_generation")
        if not cert:
            return False
        request = self._seal("reregister", ReregisterRequest(bytes.fromhex(cert),
                                                             generation).to_wire())
        try:
            status, data = self.transport.post("/v1/reregister", request.to_bytes(),
                                               self.timeout)
        except (TransportError, OSError):
            return False
        if status != 200:
            return False
        try:
            self._open_reply(data, request, "reregistered")
        except SyncError:
            return False
        with self.store.write() as conn:
            audit(conn, self.clock.ms(), "reregistered", None, generation=generation)
        return True

    def seal(self, msg_type: str, body: Any, *, encoded: bool = False) -> Envelope:
        """A request envelope with the next message counter, committed now."""
        return self._seal(msg_type, body, encoded=encoded)

    def _seal(self, msg_type: str, body: Any, *, encoded: bool = False) -> Envelope:
        counter = self._bump_counter(1)
        if encoded:
            return seal_encoded(self._key, msg_type, self.terminal_id, counter, body,
                                ts=self.clock.ms())
        return seal(self._key, msg_type, self.terminal_id, counter, body, ts=self.clock.ms())

    def _bump_counter(self, by: int) -> int:
        """Commit the next message counter before anything is sent with it."""
        with self.store.write(durable=False) as conn:
            counter = int(get_meta(conn, "msg_counter", 0)) + by
            set_meta(conn, "msg_counter", counter)
            self._last_counter = max(self._last_counter, counter)
        return counter

    def _open_reply(self, data: bytes, request: Envelope, reply_type: str) -> Any:
        try:
            reply = open_envelope(data)
            try:
                reply.verify(self._server_key)
            except SignatureError:
                self._follow_rotation(reply)
            if reply.reply_to != request.digest or reply.msg_type != reply_type:
                raise SyncError(BAD_ANSWER)
            self.server_ms = max(self.server_ms or 0, reply.ts)
            self.server_offset = reply.ts - self.clock.ms()
            return reply.decoded_body()
        except ProtocolError as exc:
            raise SyncError(BAD_ANSWER) from exc

    def _follow_rotation(self, reply: Envelope) -> None:
        """The answer is not signed by the pinned key: ask for the server's key chain
        and pin the newest key reachable from ours by signed announcements, if the
        answer is signed by it (:mod:`protocol.key_rotation`). Else SignatureError."""
        try:
            status, data = self.transport.post("/v1/keys", b"", self.timeout)
        except (TransportError, OSError):
            raise SignatureError from None
        if status != 200:
            raise SignatureError
        newest = follow(self._server_key, chain_from_wire(decode(data)))
        reply.verify(newest)
        with self.store.write() as conn:
            set_meta(conn, "server_key", newest.hex())
        self._server_key = newest

    def _retrying(self, what: str, attempt: int, of: int) -> None:
        if self.on_retry is not None:
            self.on_retry(f"{what} — retrying ({attempt} of {of})")

    def _backoff(self, failures: int) -> None:
        ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (failures - 1))
        self.sleep(ceiling / 2 + self.rng.uniform(0, ceiling / 2))


def _timed_out(exc: BaseException) -> bool:
    """Whether the request got no answer in time (rather than no connection)."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, TimeoutError):
            return True
        current = current.__cause__
    return False


def _error_body(data: bytes) -> tuple[str, str]:
    try:
        return error_from_wire(decode(data))
    except ProtocolError:
        return "error", ""
