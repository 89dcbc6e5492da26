"""The next push batch is sealed while the server works on the one before it.
Its message counter must still be the highest sent when it leaves: if the batch
before was retried (sealed again, with a higher counter), the early envelope is
sealed anew, never sent to be refused as a replay."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from terminal_helpers import resident_fields

from client.store.database import AUDIT, get_meta
from client.sync.engine import SyncEngine
from client.sync.transport import DROP_RESPONSE, FaultyTransport
from protocol.signing import open_envelope


class _Statuses:
    """The fake server as a transport, noting every answer's status and the
    last message counter sent."""

    def __init__(self, inner):
        self.inner = inner
        self.seen: list[tuple[str, int]] = []
        self.sent_counter = 0
        self.lock = threading.Lock()

    def post(self, path, body, timeout):
        with self.lock:
            self.sent_counter = open_envelope(body).counter
        status, data = self.inner.post(path, body, timeout)
        with self.lock:
            self.seen.append((path, status))
        return status, data


def test_a_batch_sealed_ahead_of_a_retried_one_is_sealed_again(make_terminal, server):
    a = make_terminal()
    for i in range(15):
        a.residents.register(resident_fields(given_name=f"G{i}"))

    def counter():
        with a.store.read() as conn:
            return int(get_meta(conn, "msg_counter", 0))

    # The order under test: batch 2 leaves, its answer is lost, batch 3 is
    # sealed ahead, and only then is batch 2 sealed again for its retry. The
    # threads are held to that order; left to chance, batch 3 could be sealed
    # before batch 2 even left, and batch 2 would then be sealed anew at once.
    batch_2_left = threading.Event()

    class Statuses(_Statuses):
        def post(self, path, body, timeout):
            if path == "/v1/push" and sum(p == "/v1/push" for p, _ in self.seen) == 1:
                batch_2_left.set()
            return super().post(path, body, timeout)

    def backoff(_seconds):
        # Batch 2's answer was lost; wait for the main thread to seal batch 3.
        sent = statuses.sent_counter
        deadline = time.monotonic() + 60  # a loaded machine may take a while
        while counter() <= sent and time.monotonic() < deadline:
            time.sleep(0.01)
        assert counter() > sent, "batch 3 was never sealed ahead"

    statuses = Statuses(server)
    link = FaultyTransport(statuses, paths=frozenset({"/v1/push"}), plan=[None, DROP_RESPONSE])
    engine = SyncEngine(a.store, link, clock=a.clock, terminal_id=a.terminal_id,
                        facility_id=a.facility_id, sleep=backoff, batch_size=5)
    seal = engine.channel.seal
    push_seals = 0

    def seal_in_order(msg_type, body, **kwargs):
        nonlocal push_seals
        if msg_type == "push":
            push_seals += 1
            if push_seals == 3:  # batch 3, sealed ahead: not before batch 2 has left
                assert batch_2_left.wait(60), "batch 2 never left"
        return seal(msg_type, body, **kwargs)

    engine.channel.seal = seal_in_order
    report = engine.sync()
    assert push_seals >= 3
    assert report.error is None
    assert report.pushed == 15
    assert server.terminals[a.terminal_id].last_seq == 15
    pushes = [status for path, status in statuses.seen if path == "/v1/push"]
    assert pushes == [200, 200, 200, 200]  # batch 2 twice (its first answer lost), no 409
    with a.store.read() as conn:
        events = [row.event for row in conn.execute(sa.select(AUDIT.c.event))]
    assert "message_counter_behind" not in events
