"""Pull: pages, cursors, own facility only, record-number pools, and no skipped
change while many terminals push at once."""

import threading
from itertools import pairwise

import pytest
import sqlalchemy as sa

from server.storage.models import T


def test_pages_resume_from_the_cursor(terminal, h):
    t = terminal()
    t.push([h.new_resident(t)[1] for _ in range(25)])
    first = t.pull(0, limit=10)
    assert len(first.changes) == 10
    assert first.more
    rest, cursor = t.pull_all(first.cursor)
    seqs = [c.seq for c in first.changes + rest]
    assert seqs == sorted(seqs) == list(range(1, len(seqs) + 1))
    assert t.pull(cursor).changes == []


def test_a_terminal_sees_only_its_facility(terminal, h, world):
    a, b = terminal("a"), terminal("b")
    rb, cb = h.new_resident(b)
    b.push([cb])
    changes, _ = a.pull_all()
    assert all(c.facility_id == world.a.id for c in changes)
    assert rb not in {c.record_id for c in changes}


def test_reference_records_and_users_without_secrets(terminal, world):
    a = terminal("a")
    changes, _ = a.pull_all()
    kinds = {c.kind for c in changes}
    assert {"facility", "unit", "bed", "user"} <= kinds
    users = [c for c in changes if c.kind == "user"]
    assert {u.data["username"] for u in users} >= {"clerk_MG", "rm_MG"}
    for user in users:
        assert set(user.data) == {"username", "role", "active", "display_name"}


def test_pools_of_record_numbers_never_overlap(terminal):
    a, b = terminal(), terminal(username="clerk2_MG")
    pools = [a.mrn_pool, b.mrn_pool, a.pull(want_mrns=True).mrn_pool,
             b.pull(want_mrns=True).mrn_pool]
    assert all(p.prefix == "MG" and p.end - p.start == 1000 for p in pools)
    spans = sorted((p.start, p.end) for p in pools)
    assert all(x[1] <= y[0] for x, y in pairwise(spans))


@pytest.mark.slow
def test_pull_never_skips_under_concurrent_pushes(terminal, h, world, engine, service,
                                                  settings):
    pushers = [h.Term(service, world.a).enroll(engine, settings, name)
               for name in ("clerk_MG", "clerk2_MG", "rm_MG", "clerk_MG")]
    puller = terminal()
    done = threading.Event()
    errors: list[BaseException] = []
    seen: dict[int, str] = {}

    def push_many(t) -> None:
        try:
            for _ in range(8):
                t.push([h.new_resident(t)[1] for _ in range(5)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def pull_loop() -> None:
        cursor = 0
        try:
            while True:
                finished = done.is_set()
                page = puller.pull(cursor, limit=7)
                for change in page.changes:
                    assert change.seq not in seen
                    seen[change.seq] = change.record_id
                cursor = page.cursor
                if finished and not page.more:
                    return
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    reader = threading.Thread(target=pull_loop)
    reader.start()
    threads = [threading.Thread(target=push_many, args=(t,)) for t in pushers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    assert errors == []
    with engine.connect() as conn:
        log = dict(conn.execute(sa.select(T.changes.c.seq, T.changes.c.record_id).where(
            T.changes.c.facility_id == world.a.id)).all())
    assert seen == log
    assert len(log) >= 4 * 8 * 5


def test_a_page_stops_at_its_byte_budget_and_the_next_resumes(terminal, h, monkeypatch):
    from server.core import pull as pull_core

    t = terminal()
    t.push([h.new_resident(t)[1] for _ in range(12)])
    whole = t.pull(0, limit=1000)
    assert not whole.more
    sizes = [len(item) + pull_core.SNAPSHOT_OVERHEAD for item in whole.changes.items]
    budget = 3 * max(sizes)
    monkeypatch.setattr(pull_core, "PULL_PAGE_BYTES", budget)
    monkeypatch.setattr(pull_core, "_FETCH_STEP", 2)  # pages fill across fetches
    seen, cursor, pages = [], 0, 0
    while True:
        page = t.pull(cursor, limit=1000)
        pages += 1
        assert page.changes  # always at least one change
        assert sum(len(i) + pull_core.SNAPSHOT_OVERHEAD for i in page.changes.items) <= budget
        seen += page.changes.items
        cursor = page.cursor
        if not page.more:
            break
    assert seen == whole.changes.items
    assert pages > 1 and pages >= sum(sizes) // budget


def test_the_server_serves_pages_of_its_size_and_says_so(terminal, h):
    from protocol.messages import MAX_PULL_PAGE, SERVED_PULL_PAGE

    t = terminal()
    t.push([h.new_resident(t)[1] for _ in range(5)])
    answer = t.pull(0, limit=SERVED_PULL_PAGE)
    assert answer.page == answer.page_served == SERVED_PULL_PAGE > MAX_PULL_PAGE
    assert not answer.more
    exact = t.pull(0, limit=len(answer.changes))  # a page that ends with the log
    assert exact.changes == answer.changes and not exact.more
    short = t.pull(0, limit=len(answer.changes) - 1)
    assert short.more and short.changes == answer.changes[:-1]
