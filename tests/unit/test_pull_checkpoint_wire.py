"""The audit checkpoint a pull answer carries, on the wire: it round-trips, and
a malformed one is a schema error (a 400 at the server, a bad answer at the
terminal), never a crash."""

from __future__ import annotations

import pytest

from protocol.errors import SchemaError
from protocol.merkle import Checkpoint
from protocol.messages import PullRequest, PullResponse
from protocol.signing import new_private_key


def test_a_checkpoint_and_its_proof_round_trip():
    checkpoint = Checkpoint("chartkeep/audit/F1", 12, b"\x01" * 32).signed(new_private_key())
    answer = PullResponse([], 0, False, 1, checkpoint=checkpoint, audit_proof=[b"\x02" * 32])
    again = PullResponse.from_wire(answer.to_wire())
    assert again.checkpoint == checkpoint and again.audit_proof == [b"\x02" * 32]
    assert PullResponse.from_wire(PullResponse([], 0, False, 1).to_wire()).checkpoint is None
    assert PullRequest.from_wire(PullRequest(0, audit_size=12).to_wire()).audit_size == 12
    assert PullRequest.from_wire({"cursor": 0, "limit": 10, "held": [], "mrns": False,
                                  "proto": 2}).audit_size == 0


@pytest.mark.parametrize("bad", [
    {"cp": ["o", 1, b"x", b"y"]},
    {"cp": ["o", -1, b"\x01" * 32, b"\x02" * 64]},
    {"cp": ["o", 1, b"\x01" * 32, b"\x02" * 64], "cproof": [b"short"]},
    {"cp": ["o", 1, b"\x01" * 32, b"\x02" * 64], "cproof": "not a list"},
])
def test_a_malformed_checkpoint_is_a_schema_error(bad):
    wire = {**PullResponse([], 0, False, 1).to_wire(), **bad}
    with pytest.raises(SchemaError):
        PullResponse.from_wire(wire)
