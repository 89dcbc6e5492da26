"""The change log's generation and head on every pull answer; a restore
noticed from a terminal's cursor, record numbers or answers; record numbers never
issued twice."""

import sqlalchemy as sa

from server import admin
from server.core.continuity import RESTORE_COUNTER_GAP
from server.storage.models import T


def test_pull_says_where_the_log_stands(terminal, h):
    t = terminal()
    _, create = h.new_resident(t)
    t.push([create])
    page = t.pull()
    assert page.log is not None
    assert page.log.head == page.cursor
    assert page.log.next_seq == 2
    assert t.pull(page.cursor).log.generation == page.log.generation


def test_a_cursor_beyond_the_head_starts_a_new_generation_once(terminal, h, engine):
    t = terminal()
    first = t.pull()
    assert first.log is not None
    ahead = t.pull(cursor=first.log.head + 50)  # seen by a terminal, lost by the server
    assert ahead.log is not None and ahead.log.generation != first.log.generation
    # Another terminal still on the old generation does not start a third one.
    u = terminal()
    again = u.service.pull(u.info, u.envelope("pull", {}), _request(
        first.log.head + 50, generation=first.log.generation))
    assert again.log is not None and again.log.generation == ahead.log.generation
    events = [r for r in h.audit_rows(engine) if r.action == "server:restored"]
    assert {r.outcome for r in events} == {"detected"}
    assert len({r.detail["generation"] for r in events}) == 1


def test_answers_past_the_last_handled_operation_start_a_new_generation_once(terminal, h,
                                                                            engine):
    """A terminal holds answers the server has no record of giving: the server
    came back from a backup, even when its head has grown past the terminal's
    cursor again (its lost positions reused by other changes)."""
    t = terminal()
    _, create = h.new_resident(t)
    t.push([create])
    first = t.pull()
    assert first.log is not None
    same = t.service.pull(t.info, t.envelope("pull", {}), _request(
        first.cursor, generation=first.log.generation, answered=1))
    assert same.log is not None and same.log.generation == first.log.generation
    lost = t.service.pull(t.info, t.envelope("pull", {}), _request(
        first.cursor, generation=first.log.generation, answered=3))
    assert lost.log is not None and lost.log.generation != first.log.generation
    # Told on the old generation again (its answer was lost): no third one.
    # (The restore raised the counter mark; a terminal steps past it.)
    t.counter += RESTORE_COUNTER_GAP
    again = t.service.pull(t.info, t.envelope("pull", {}), _request(
        first.cursor, generation=first.log.generation, answered=3))
    assert again.log is not None and again.log.generation == lost.log.generation
    events = [r for r in h.audit_rows(engine) if r.action == "server:restored"]
    assert [(r.outcome, r.detail["answered"], r.detail["last_seq"]) for r in events
            if r.facility_id == t.info.facility_id] == [("detected", 3, 1)]


def test_declared_restore_moves_the_counter_past_old_pools(terminal, engine, settings, world):
    t = terminal()
    before = t.pull(want_mrns=True).mrn_pool
    assert before is not None
    admin.declare_restore(engine, settings, note="test")
    t.counter += RESTORE_COUNTER_GAP  # the terminal steps past the raised mark
    after = t.pull(want_mrns=True).mrn_pool
    assert after is not None and after.start >= before.end + settings.mrn_pool_size


def test_numbers_a_terminal_holds_raise_the_counter(terminal, engine, world):
    t = terminal()
    t.service.pull(t.info, t.envelope("pull", {}), _request(0, mrn_top=90_000))
    with engine.connect() as conn:
        counter = conn.execute(sa.select(T.facilities.c.mrn_next).where(
            T.facilities.c.id == world.a.id)).scalar_one()
    assert counter >= 90_000


def test_a_record_number_already_in_use_is_refused(terminal, h):
    t = terminal()
    _, first = h.new_resident(t, mrn="MG000777")
    _, second = h.new_resident(t, family="Other", mrn="MG000777")
    _, same_batch = h.new_resident(t, family="Third", mrn="MG000778")
    _, twin = h.new_resident(t, family="Fourth", mrn="MG000778")
    results = t.push([first, second, same_batch, twin]).results
    assert [(r.status, r.reason) for r in results] == [
        ("applied", None), ("rejected", "duplicate_mrn"), ("applied", None),
        ("rejected", "duplicate_mrn")]


def test_a_record_number_stored_earlier_is_refused_in_a_later_batch(terminal, h):
    """A batch reads which of its new residents' numbers are taken in one query:
    one stored by an earlier batch is among them."""
    t = terminal()
    _, first = h.new_resident(t, mrn="MG000779")
    assert t.push([first]).results[0].status == "applied"
    _, fresh = h.new_resident(t, family="Fresh", mrn="MG000780")
    _, again = h.new_resident(t, family="Again", mrn="MG000779")
    results = t.push([fresh, again]).results
    assert [(r.status, r.reason) for r in results] == [
        ("applied", None), ("rejected", "duplicate_mrn")]


def _request(cursor, *, generation=None, mrn_top=0, answered=0):
    from protocol.messages import PullRequest

    return PullRequest(cursor, 1000, [], False, mrn_top=mrn_top, generation=generation,
                       answered=answered)
