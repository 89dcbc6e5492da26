"""Bad input reaching the terminal from the network, against the real server:
an expired or used enrollment code, and answers changed or cut short on the way
back. Each ends in a clear sentence, never a traceback, and nothing is lost or
applied twice."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from client import terminal
from client.clock import ManualClock
from client.errors import EnrollmentFailed
from client.sync.transport import HttpTransport, Transport
from server import admin

from .conftest import PASSWORD, START, Org, resident, terminal_records


@dataclass
class Mangling:
    """Delivers each request; changes the answer to the first on ``path``."""

    inner: Transport
    path: str
    how: str
    done: list[str] = field(default_factory=list)

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        status, answer = self.inner.post(path, body, timeout)
        if path != self.path or self.done:
            return status, answer
        self.done.append(path)
        if self.how == "flip":
            changed = bytearray(answer)
            changed[len(changed) // 2] ^= 0x01
            return status, bytes(changed)
        if self.how == "cut":
            return status, answer[: len(answer) // 2]
        return status, b"\xc1 not msgpack"


def _ops_on_server(org: Org, terminal_id: str) -> int:
    import sqlalchemy as sa

    with org.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM ops WHERE terminal_id = :t"),
                            {"t": terminal_id}).scalar_one()


@pytest.mark.parametrize("path", ["/v1/push", "/v1/pull"])
@pytest.mark.parametrize("how", ["flip", "cut", "garbage"])
def test_a_changed_or_cut_answer_is_refused_and_nothing_is_lost(org: Org, path: str,
                                                                how: str) -> None:
    link = Mangling(HttpTransport(org.url), path, how)
    a = org.terminal(org.a, "clerk.MG", transport=link)
    link.done.clear()
    rid = a.residents.register(resident(family_name="Answered"))
    report = a.sync()
    assert link.done == [path]
    assert report.error, "an answer that does not verify must not pass silently"
    assert report.error == "The server's answer could not be verified; your changes are kept."
    assert a.residents.get(rid).fields["family_name"] == "Answered"  # still shown
    report = a.sync()
    assert report.error is None
    assert [r.status for r in a.outbox.operations()] == ["applied"]
    assert _ops_on_server(org, a.terminal_id) == 1  # applied once, not twice
    assert terminal_records(a) == org.server_records(org.a)


def test_an_expired_or_used_enrollment_code_is_a_sentence_and_leaves_nothing(org: Org) -> None:
    code = admin.issue_code(org.engine, org.settings, facility_id=org.a.id, ttl_hours=1)
    org.clock.now += 3600_000 + 1
    home = org.tmp / "late"
    with pytest.raises(EnrollmentFailed) as late:
        terminal.enroll(home, org.url, code, "Late station", "clerk.MG", PASSWORD,
                        transport=HttpTransport(org.url), clock=ManualClock(START),
                        sleep=lambda _s: None)
    assert "expired" in late.value.message
    assert not terminal.is_enrolled(home)
    fresh = admin.issue_code(org.engine, org.settings, facility_id=org.a.id)
    session = terminal.enroll(home, org.url, fresh, "Station", "clerk.MG", PASSWORD,
                              transport=HttpTransport(org.url), clock=ManualClock(START),
                              sleep=lambda _s: None)
    session.lock()
    with pytest.raises(EnrollmentFailed) as used:
        terminal.enroll(org.tmp / "again", org.url, fresh, "Again", "clerk.MG", PASSWORD,
                        transport=HttpTransport(org.url), clock=ManualClock(START),
                        sleep=lambda _s: None)
    assert "already used" in used.value.message
    assert not terminal.is_enrolled(org.tmp / "again")
