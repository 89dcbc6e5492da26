"""Per-request-kind timing inside the server (``request_stats``), read by scripts/load."""
import dataclasses
import io

import pytest

from server.http.app import create_app
from server.http.request_stats import BOUNDS, RequestStats, percentile

MSGPACK = {"Content-Type": "application/x-msgpack"}


def test_percentiles_come_from_the_buckets():
    stats = RequestStats()
    for ms in range(1, 101):  # 1 ms … 100 ms, one request each
        stats.record("/v1/pull", ms / 1000, 200)
    stats.record("/v1/push", 0.002, 400)
    snap = stats.snapshot()
    pull = snap["kinds"]["/v1/pull"]
    assert pull["count"] == 100 and pull["status"] == {"2xx": 100}
    assert snap["kinds"]["/v1/push"]["status"] == {"4xx": 1}
    buckets = {int(i): n for i, n in pull["buckets"].items()}
    p50, p95, p99 = (percentile(buckets, f) for f in (0.5, 0.95, 0.99))
    assert p50 is not None and p95 is not None and p99 is not None
    # each within one bucket (5 %) above the true value
    assert 0.050 <= p50 <= 0.050 * 1.05
    assert 0.095 <= p95 <= 0.095 * 1.05
    assert 0.099 <= p99 <= 0.099 * 1.05
    assert percentile({}, 0.5) is None


def test_a_time_past_the_last_bucket_is_kept():
    stats = RequestStats()
    stats.record("/v1/pull", BOUNDS[-1] * 10, 200)
    buckets = {int(i): n for i, n in stats.snapshot()["kinds"]["/v1/pull"]["buckets"].items()}
    assert percentile(buckets, 0.99) == BOUNDS[-1]


@pytest.fixture
def timed_settings(settings):
    return dataclasses.replace(settings, request_stats=True)


async def test_the_server_times_each_kind_and_answers_loopback(aiohttp_client, engine,
                                                                timed_settings, world):
    client = await aiohttp_client(create_app(timed_settings))
    assert (await client.get("/health")).status == 200
    refused = await client.post("/v1/push", data=io.BytesIO(b"\x81\xa1x\x01"), headers=MSGPACK)
    assert refused.status == 400
    answer = await client.get("/v1/stats")
    assert answer.status == 200
    snap = await answer.json()
    assert snap["kinds"]["/health"]["status"] == {"2xx": 1}
    assert snap["kinds"]["/v1/push"]["status"] == {"4xx": 1}
    assert snap["cpu_s"] > 0


async def test_without_the_setting_there_is_no_stats_route(aiohttp_client, engine, settings,
                                                            world):
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/v1/stats")).status == 404
