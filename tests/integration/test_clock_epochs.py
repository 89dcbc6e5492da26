"""A terminal whose clock ran a year ahead and was corrected: once the server
confirms the clock is right again, new changes carry the real time and are no
longer flagged; the changes stamped while it was ahead keep their flag."""

from __future__ import annotations

from datetime import timedelta

from client.clock import ManualClock
from protocol.hlc import wall_ms

from .conftest import START, Org, op, resident


def _recorded_at(session, seq: int) -> int:
    from client.store.database import OUTBOX

    with session.store.read() as conn:
        return int(conn.execute(OUTBOX.select().where(OUTBOX.c.seq == seq)).one().recorded_at)


def test_corrected_clock_starts_a_new_epoch(org: Org) -> None:
    clock = ManualClock(START)
    a = org.terminal(org.a, "clerk.MG", clock=clock)
    rid = a.residents.register(resident())
    assert a.sync().error is None
    clock.advance(days=365)  # the machine's clock jumps a year ahead
    ahead = a.residents.update(rid, {"phone": "555-0001"})
    assert a.sync().error is None
    assert "clock_skew" in op(a, ahead).flags
    clock.set(START + timedelta(minutes=5))  # someone corrects it
    between = a.residents.update(rid, {"phone": "555-0002"})
    assert wall_ms(_recorded_at(a, between)) > clock.ms() + 300 * 86_400_000
    assert a.sync().error is None  # the server confirms the clock: a new epoch
    assert "clock_skew" in op(a, between).flags
    after = a.residents.update(rid, {"phone": "555-0003"})
    assert abs(wall_ms(_recorded_at(a, after)) - clock.ms()) < 1000
    assert a.sync().error is None
    assert "clock_skew" not in op(a, after).flags
    assert op(a, after).status == "applied"
    assert a.residents.get(rid).fields["phone"] == "555-0003"


def test_a_clock_behind_the_server_is_not_reset(org: Org) -> None:
    """A clock set back (to 2000) is not confirmed by the server: the stamps
    stay monotonic and the changes stay flagged."""
    clock = ManualClock(START)
    a = org.terminal(org.a, "clerk.MG", clock=clock)
    rid = a.residents.register(resident())
    assert a.sync().error is None
    first_stamp = _recorded_at(a, 1)
    clock.set(START.replace(year=2000))
    back = a.residents.update(rid, {"phone": "555-0004"})
    assert a.sync().error is None
    assert _recorded_at(a, back) > first_stamp
    assert "clock_skew" in op(a, back).flags
    later = a.residents.update(rid, {"phone": "555-0005"})
    assert _recorded_at(a, later) > _recorded_at(a, back)
