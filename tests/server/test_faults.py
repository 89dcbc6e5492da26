"""The server dies before or after committing a push (scenarios 18 and 19)."""

import pytest
import sqlalchemy as sa

from server.storage.models import T


class Crash(Exception):
    pass


def crash_at(stage_to_fail):
    calls = {"armed": True}

    def hook(stage):
        if calls["armed"] and stage == stage_to_fail:
            calls["armed"] = False
            raise Crash(stage)

    return hook


def change_count(engine, record_id):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(T.changes).where(
            T.changes.c.record_id == record_id)).scalar_one()


def test_crash_before_commit_applies_nothing_then_once(terminal, h, engine, settings):
    t = terminal()
    rid, create = h.new_resident(t)
    settings.faults = crash_at("push:before_commit")
    with pytest.raises(Crash):
        t.push([create])
    assert change_count(engine, rid) == 0
    response = t.push([create])
    assert response.results[0].status == "applied"
    assert change_count(engine, rid) == 1


def test_crash_after_commit_resend_returns_original(terminal, h, engine, settings):
    t = terminal()
    rid, create = h.new_resident(t)
    _, n = h.note(t, rid)
    settings.faults = crash_at("push:after_commit")
    with pytest.raises(Crash):
        t.push([create, n])
    assert change_count(engine, rid) == 1
    response = t.push([create, n])
    assert [r.status for r in response.results] == ["applied", "applied"]
    assert change_count(engine, rid) == 1
