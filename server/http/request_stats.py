"""Time spent inside this server process per request kind, for the load harness.

When ``Settings.request_stats`` is on (``CHARTKEEP_SERVER_REQUEST_STATS=1``), the
``timing`` middleware (outermost) records how long each request took from the
moment this process started handling it to its response, by kind (the route's
path pattern: ``/v1/push``, ``/v1/pull``, ``/portal/facilities/{id}``; anything
unrouted is ``other``), with its status class. ``GET /v1/stats`` answers the
totals since start as JSON, to loopback callers only, with the process's CPU
seconds: ``scripts/load`` reads it before and after a run and subtracts.

Durations go into fixed logarithmic buckets (5 % wide, 50 µs to 10 minutes), so
recording is a bisect and an increment, memory stays constant however long the
server runs, two snapshots subtract, several processes add up, and a percentile
read from them is within 5 % of the true one.
"""

from __future__ import annotations

import bisect
import math
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .access import Access, access

BUCKET_RATIO = 1.05
FIRST_BUCKET_S = 50e-6
LAST_BUCKET_S = 600.0
BOUNDS = [FIRST_BUCKET_S * BUCKET_RATIO ** i
          for i in range(int(math.log(LAST_BUCKET_S / FIRST_BUCKET_S, BUCKET_RATIO)) + 1)]
"""Upper bounds (seconds) of the buckets; one more bucket holds anything longer."""

LOOPBACK = frozenset({"127.0.0.1", "::1"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestStats:
    """Per-kind histograms of handling time, and counts by status class."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kinds: dict[str, dict[str, Any]] = {}
        self.started = time.time()

    def record(self, kind: str, seconds: float, status: int) -> None:
        index = bisect.bisect_left(BOUNDS, seconds)
        with self._lock:
            entry = self._kinds.get(kind)
            if entry is None:
                entry = self._kinds[kind] = {"count": 0, "seconds": 0.0,
                                             "buckets": [0] * (len(BOUNDS) + 1),
                                             "status": {}}
            entry["count"] += 1
            entry["seconds"] += seconds
            entry["buckets"][index] += 1
            klass = f"{status // 100}xx"
            entry["status"][klass] = entry["status"].get(klass, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        """Totals since start (sparse buckets: index → count), and CPU seconds."""
        with self._lock:
            kinds = {kind: {"count": e["count"], "seconds": e["seconds"],
                            "status": dict(e["status"]),
                            "buckets": {str(i): n for i, n in enumerate(e["buckets"]) if n}}
                     for kind, e in self._kinds.items()}
        cpu = os.times()
        return {"pid": os.getpid(), "started": self.started, "now": time.time(),
                "cpu_s": cpu.user + cpu.system, "bounds_ratio": BUCKET_RATIO,
                "first_bound_s": FIRST_BUCKET_S, "kinds": kinds}


def bucket_bound(index: int) -> float:
    """The upper bound of bucket ``index`` (the last bucket: its lower bound)."""
    return BOUNDS[min(index, len(BOUNDS) - 1)]


def percentile(buckets: dict[int, int], fraction: float) -> float | None:
    """The ``fraction`` quantile (0.95 for p95) of a bucket histogram, as the
    upper bound of the bucket it falls in; None for an empty histogram."""
    total = sum(buckets.values())
    if total == 0:
        return None
    rank = math.ceil(fraction * total)
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= rank:
            return bucket_bound(index)
    return bucket_bound(max(buckets))


STATS = web.AppKey("request_stats", RequestStats)


def request_kind(request: web.Request) -> str:
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "other"


@web.middleware
async def timing(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500  # unless the handler answers (or raises an HTTP status)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        status = exc.status
        raise
    else:
        status = response.status
    finally:
        request.app[STATS].record(request_kind(request), time.perf_counter() - started,
                                  status)
    return response


routes = web.RouteTableDef()


@routes.get("/v1/stats")
@access(Access.PUBLIC)
async def stats(request: web.Request) -> web.Response:
    if request.remote not in LOOPBACK:
        raise web.HTTPNotFound
    return web.json_response(request.app[STATS].snapshot())
