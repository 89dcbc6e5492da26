"""Acknowledging a regulation bulletin at a terminal.

The bulletin itself is published by a regional manager in the portal (the
server writes it to each facility named); a terminal only acknowledges it, as
the person signed in. Acknowledgements made offline at several terminals each
add their own line, in server order; a person who acknowledges twice keeps
their first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.args import Arg
from protocol.records import RecordKind
from protocol.records.checks import _date, _record_id

from .spec import BOTH, Case, CaseFacts, CaseSpec, need_case, not_future


def _check(case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    need_case(case, "bulletin")
    # Not checked against the publication day: the region's day may already be the
    # next one where the facility is.
    not_future("on", args["on"], facts.today)


def _acknowledge(case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    assert case is not None
    acks = list(case.get("acknowledgements") or ())
    if any(a.get("user_id") == user_id for a in acks):
        return dict(case)
    return {**case, "acknowledgements": [*acks, {"user_id": user_id, "on": args["on"]}]}


SPECS = (
    CaseSpec("acknowledge_bulletin", RecordKind.BULLETIN, "bulletin_id", (
        Arg("bulletin_id", _record_id, required=True), Arg("on", _date, required=True),
    ), _check, _acknowledge, "acknowledge a regulation bulletin", roles=BOTH),
)
