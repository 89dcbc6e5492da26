"""Names instead of ids at terminals: each facility's name and state reach the other
facilities' terminals (the transfer pick list), a facility's record names its
terminals, and publish-directory sends both for facilities that predate them."""

from __future__ import annotations

import sqlalchemy as sa

from server import admin
from server.admin.cli import main
from server.storage.models import T


def _latest(changes, kind, record_id):
    found = [c for c in changes if c.kind == kind and c.record_id == record_id]
    return found[-1] if found else None


def test_other_facilities_are_sent_by_name_and_state_only(terminal, world):
    a = terminal("a")
    changes, _ = a.pull_all()
    oak = _latest(changes, "facility", world.b.id)
    assert oak is not None
    assert oak.data == {"name": "Oak Hill", "state_code": "OH"}  # no prefix, no settings
    own = _latest(changes, "facility", world.a.id)
    assert own.data["mrn_prefix"] == "MG"


def test_a_new_facility_and_a_renamed_one_reach_every_terminal(terminal, world, engine,
                                                               settings):
    a, b = terminal("a"), terminal("b")
    _, cursor_a = a.pull_all()
    cedar = admin.create_facility(engine, settings, name="Cedar House", state="PA",
                                  mrn_prefix="CH")
    changes, cursor_a = a.pull_all(cursor_a)
    assert _latest(changes, "facility", cedar).data == {"name": "Cedar House",
                                                        "state_code": "PA"}
    admin.update_facility(engine, settings, facility_id=world.b.id, name="Oak Hill Manor",
                          state="OH")
    changes, _ = a.pull_all(cursor_a)
    assert _latest(changes, "facility", world.b.id).data["name"] == "Oak Hill Manor"
    # The renamed facility's own terminals get its full record, not a listing.
    own = _latest(b.pull_all()[0], "facility", world.b.id)
    assert own.data["name"] == "Oak Hill Manor" and own.data["mrn_prefix"] == "OK"


def test_enrollment_names_the_facilitys_terminals(terminal, world, engine):
    a = terminal("a")
    second = terminal("a", "rm_MG")
    changes, _ = a.pull_all()
    names = _latest(changes, "facility", world.a.id).data["terminals"]
    assert names == {a.info.id: "front desk", second.info.id: "front desk"}
    with engine.connect() as conn:
        enrolled = conn.execute(sa.select(sa.func.count()).select_from(T.terminals).where(
            T.terminals.c.facility_id == world.a.id)).scalar()
    assert enrolled == len(names)


def test_publish_directory_sends_the_names_again(terminal, world, engine, settings, capsys):
    a = terminal("a")
    _, cursor = a.pull_all()
    # A facility record from before terminal names went out.
    records = T.records
    with engine.begin() as conn:
        data = conn.execute(sa.select(records.c.data).where(records.c.id == world.a.id)
                            ).scalar_one()
        conn.execute(sa.update(records).where(records.c.id == world.a.id).values(
            data={k: v for k, v in data.items() if k != "terminals"}))
    assert main(["--database-url", settings.database_url, "publish-directory"]) == 0
    assert "2 facilities" in capsys.readouterr().out
    changes, cursor = a.pull_all(cursor)
    assert _latest(changes, "facility", world.b.id).data == {"name": "Oak Hill",
                                                             "state_code": "OH"}
    assert _latest(changes, "facility", world.a.id).data["terminals"] == {
        a.info.id: "front desk"}
    # Names already sent are not sent again.
    assert main(["--database-url", settings.database_url, "publish-directory"]) == 0
    changes, _ = a.pull_all(cursor)
    assert _latest(changes, "facility", world.a.id) is None
