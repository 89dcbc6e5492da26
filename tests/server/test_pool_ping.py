"""PostgreSQL connections are checked before use only after sitting idle: one
in steady use costs no round trip, and an idle one that died is replaced."""

import pytest
import sqlalchemy as sa

from server.storage import db


@pytest.fixture
def pg_engine(server_db_url):
    if not server_db_url.startswith("postgresql"):
        pytest.skip("the ping is PostgreSQL's")
    engine = db.make_engine(server_db_url, pool_size=1)
    yield engine
    engine.dispose()


def _pings(engine, monkeypatch):
    pinged = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        pinged.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pinged


def test_a_connection_in_steady_use_is_not_pinged(pg_engine, monkeypatch):
    pinged = _pings(pg_engine, monkeypatch)
    for _ in range(3):
        with db.read_tx(pg_engine) as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    assert pinged == []


def test_an_idle_connection_that_died_is_replaced(pg_engine, monkeypatch):
    pinged = _pings(pg_engine, monkeypatch)
    with db.read_tx(pg_engine) as conn:
        before = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    admin = sa.create_engine(pg_engine.url, poolclass=sa.pool.NullPool,
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
    admin.dispose()
    clock = db.time.monotonic() + db.PING_IDLE_S + 1
    monkeypatch.setattr(db.time, "monotonic", lambda: clock)
    with db.read_tx(pg_engine) as conn:
        after = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    assert len(pinged) >= 1
    assert after != before
