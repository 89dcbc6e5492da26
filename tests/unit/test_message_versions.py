"""Protocol and schema versions on the wire: a version-1 peer (which never says
its version) is read as version 1, and a version-2 answer names the server's."""

from protocol.messages import (
    PROTOCOL_VERSION,
    PullRequest,
    PushRequest,
    PushResponse,
    Versions,
)
from protocol.ops import SCHEMA_VERSION


def test_a_request_without_a_version_is_protocol_1() -> None:
    assert PushRequest.from_wire({"ops": [], "schema": 1}).protocol == 1
    pull = PullRequest.from_wire({"cursor": 0, "limit": 10, "held": [], "mrns": False})
    assert pull.protocol == 1


def test_requests_and_answers_carry_the_versions_both_ways() -> None:
    assert PushRequest.from_wire(PushRequest([]).to_wire()).protocol == PROTOCOL_VERSION
    answer = PushResponse([], 1, 5, server_too_old=True)
    back = PushResponse.from_wire(answer.to_wire())
    assert back.server_too_old
    assert back.versions == Versions(PROTOCOL_VERSION, SCHEMA_VERSION)


def test_a_version_1_answer_is_read_as_an_old_server() -> None:
    old = {"results": [], "next": 1, "time": 5, "upgrade": False}
    back = PushResponse.from_wire(old)
    assert back.versions == Versions(1, 1)
    assert not back.server_too_old
