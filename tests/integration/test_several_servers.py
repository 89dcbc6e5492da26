"""Server processes keep no state of their own: two of them on one database,
behind a round-robin balancer, serve the same terminals as one would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client.sync.transport import HttpTransport
from server.http.runner import ServerThread
from server.settings import Settings

from .conftest import Org, op, resident, terminal_records


@dataclass
class RoundRobin:
    """A load balancer in miniature: each request to the next server."""

    urls: list[str]
    _next: Any = field(default=None)

    def __post_init__(self) -> None:
        self._next = itertools.cycle([HttpTransport(u) for u in self.urls])

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        return next(self._next).post(path, body, timeout)


def test_two_server_processes_behind_a_balancer(org: Org, tmp_path: Path) -> None:
    second = ServerThread(Settings(database_url=org.settings.database_url,
                                   data_dir=tmp_path / "second", clock=org.clock,
                                   key_file=org.settings.key_file),
                          init=False).start()
    try:
        balancer = RoundRobin([org.url, second.url])
        a = org.terminal(org.a, "rm.MG", transport=balancer)
        b = org.terminal(org.a, "clerk.MG", transport=balancer)
        rid = a.residents.register(resident())
        a.sync()
        b.sync()
        first = a.residents.update(rid, {"phone": "555-0001"})
        clash = b.residents.update(rid, {"phone": "555-0002"})
        stay_a = a.stays.admit(rid, admitted_at="2026-11-02", bed_id=org.a.beds[0])
        for _ in range(3):
            a.sync()
            b.sync()
        assert op(a, first).status == "applied"
        assert op(b, clash).status == "conflict"
        assert {r.record_id: r for r in a.outbox.operations()}[stay_a].status == "applied"
        # Each server answered with the one server key both read from the database.
        assert terminal_records(a) == org.server_records(org.a) == terminal_records(b)
    finally:
        second.stop()
