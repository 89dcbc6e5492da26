"""Bounded floods: refused requests are rate-limited per source (429 with
Retry-After) and audited in aggregate, so the audit log grows by at most two
entries per source and interval, and the table of sources stays bounded."""

from __future__ import annotations

import io

from protocol.codec import decode
from server import admin
from server.core.floods import OTHER_SOURCES, FloodGate
from server.http.app import create_app
from server.http.state import SERVICE

MSGPACK = {"Content-Type": "application/x-msgpack"}
WINDOW_MS = 60_000


def test_the_gate_counts_limits_and_summarises_per_interval() -> None:
    gate = FloodGate(WINDOW_MS, limit=3, max_sources=2)
    start = 10 * WINDOW_MS
    firsts = [gate.refused("a", "bad_signature", start + i, {"path": "/v1/push"})[0]
              for i in range(3)]
    assert firsts == [True, False, False]
    assert gate.retry_after("b", start) is None  # another source is not affected
    assert gate.retry_after("a", start + 15_000) == 45
    assert gate.retry_after("a", start + 59_001) == 1
    gate.refused("b", "truncated_message", start, {})
    gate.refused("c", "truncated_message", start, {})  # past max_sources: "other"
    gate.refused("d", "truncated_message", start, {})
    assert gate.sources() == 3  # a, b and "other"
    _, due = gate.refused("a", "bad_signature", start + WINDOW_MS, {})
    assert gate.retry_after("a", start + WINDOW_MS) is None  # a new interval
    by_source = {s.source: s for s in due}
    assert set(by_source) == {"a", OTHER_SOURCES}  # b was refused once: no summary
    assert by_source["a"].count == 5
    assert by_source["a"].by_reason == {"bad_signature": 3, "rate_limited": 2}
    assert [f["at"] for f in by_source["a"].first] == [start, start + 1, start + 2]
    assert by_source[OTHER_SOURCES].count == 2


async def test_a_flood_of_malformed_requests_is_refused_and_audited_in_aggregate(
        aiohttp_client, engine, settings, world, clock, h):
    settings.flood_limit = 20
    settings.flood_window_s = WINDOW_MS / 1000
    clock.now = (clock.now // WINDOW_MS) * WINDOW_MS + 10_000
    client = await aiohttp_client(create_app(settings))
    before = len(h.audit_rows(engine))
    answers = []
    for _ in range(300):
        response = await client.post("/v1/push", data=io.BytesIO(b"\xc1garbage"),
                                     headers=MSGPACK)
        answers.append((response.status, decode(await response.read())["error"],
                        response.headers.get("Retry-After")))
    assert {(status, retry) for status, _, retry in answers[:20]} == {(400, None)}
    assert answers[20:] == [(429, "rate_limited", "50")] * 280
    health = await client.get("/health")
    assert health.status == 200  # public routes are not limited
    assert len(h.audit_rows(engine)) == before + 1
    clock.advance(WINDOW_MS)
    assert client.server.app[SERVICE].flush_floods() == 1
    rows = h.audit_rows(engine, chain="_system")
    [flood] = [r for r in rows if r.action == "request:flood"]
    assert flood.detail["count"] == 300
    assert flood.detail["by_reason"]["rate_limited"] == 280
    assert sum(flood.detail["by_reason"].values()) == 300
    assert len(flood.detail["first"]) == 5
    assert len(h.audit_rows(engine)) == before + 2
    # The next interval starts clean.
    response = await client.post("/v1/push", data=io.BytesIO(b"\xc1"), headers=MSGPACK)
    assert response.status == 400
    assert admin.verify_audit(engine) is None
