"""The audit check reads one snapshot: an entry committed while it walks the
log is not taken for a break. On PostgreSQL the read ran READ COMMITTED, each
statement seeing what had committed by then, so the walk found more entries than
the head it had read first and reported "entries after this point were removed"
(the dashboard showed a broken log while a terminal pushed)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from server import admin
from server.storage import audit, audit_verify
from server.storage.db import write_tx
from server.storage.models import SYSTEM_CHAIN


def _event(engine: Any, n: int) -> None:
    with write_tx(engine) as conn:
        audit.record_event(conn, SYSTEM_CHAIN, at=1_790_000_000_000 + n, action="test:event",
                           outcome="ok", purpose="security", detail={"n": n})


def test_an_entry_committed_during_the_check_is_not_a_break(
        engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(5):
        _event(engine, n)
    assert admin.verify_audit(engine) is None
    walk = audit_verify._pages
    committed = []

    def pages_with_a_push_between(conn: Any, chain: str, after: int
                                  ) -> Iterator[Sequence[Any]]:
        if chain == SYSTEM_CHAIN and not committed:
            _event(engine, 99)  # another process commits once the head was read
            committed.append(chain)
        yield from walk(conn, chain, after)

    monkeypatch.setattr(audit_verify, "_pages", pages_with_a_push_between)
    assert admin.verify_audit(engine) is None
    assert committed == [SYSTEM_CHAIN]
    monkeypatch.setattr(audit_verify, "_pages", walk)
    assert admin.verify_audit(engine) is None  # and the new entry checks too
