"""``chartkeep-server rotate-key``: a new server key announced by the old one; an
enrolled terminal follows it without enrolling again, and the audit's
checkpoints signed by either key still verify."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from client.store.database import get_meta
from client.sync.transport import HttpTransport
from server import admin
from server.http.runner import ServerThread
from server.settings import Settings
from server.storage.keys import key_path
from server.storage.models import T

from .conftest import Org, resident


@dataclass
class Switch:
    """The terminal's link, moved from the old server process to the restarted one."""

    url: str

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        return HttpTransport(self.url).post(path, body, timeout)


def pinned(session) -> str:
    with session.store.read() as conn:
        return get_meta(conn, "server_key")


def test_a_rotated_key_is_followed_by_an_enrolled_terminal(org: Org, tmp_path: Path) -> None:
    link = Switch(org.url)
    a = org.terminal(org.a, "clerk.MG", transport=link)
    rid = a.residents.register(resident())
    assert a.sync().error is None
    old = pinned(a)
    admin.publish_checkpoints(org.engine, org.settings)
    new = admin.rotate_key(org.engine, org.settings).hex()
    assert new != old
    assert len(list(key_path(org.settings).parent.glob("server-key.json.*.retired"))) == 1
    with org.engine.connect() as conn:
        assert all(bytes(r.private_key) == b"" for r in conn.execute(sa.select(T.server_keys)))
    # The restarted server process signs with the new key.
    restarted = ServerThread(Settings(database_url=org.settings.database_url,
                                      data_dir=tmp_path / "restarted", clock=org.clock,
                                      key_file=org.settings.key_file), init=False).start()
    try:
        link.url = restarted.url
        a.residents.update(rid, {"phone": "555-0199"})
        report = a.sync()
        assert report.error is None, report.error
        assert pinned(a) == new
        assert a.sync().error is None  # and again, straight with the new key
    finally:
        restarted.stop()
    admin.publish_checkpoints(org.engine, org.settings)
    assert admin.verify_audit(org.engine) is None
    actions = [row.action for row in org.audit_actions()]
    assert "admin:rotate_key" in actions


def test_a_server_key_nobody_announced_is_refused(org: Org, tmp_path: Path) -> None:
    """A server answering with a key the pinned one never announced (a copied
    database with a new key file) is not believed."""
    link = Switch(org.url)
    a = org.terminal(org.a, "clerk.MG", transport=link)
    assert a.sync().error is None
    impostor_settings = Settings(database_url=org.settings.database_url,
                                 data_dir=tmp_path / "impostor", clock=org.clock)
    with org.engine.begin() as conn:  # the impostor's key, recorded with no announcement
        conn.execute(sa.delete(T.server_keys))
    admin.init(org.engine, impostor_settings)
    impostor = ServerThread(impostor_settings, init=False).start()
    try:
        link.url = impostor.url
        a.residents.register(resident(family_name="Impostor"))
        report = a.sync()
        assert report.error is not None and "could not be verified" in report.error
    finally:
        impostor.stop()
