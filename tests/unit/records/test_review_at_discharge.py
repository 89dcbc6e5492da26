"""The completeness review a discharge opens: one rule the discharging terminal
and the server both run, naming the same review the same way."""

from __future__ import annotations

from datetime import date

import pytest

from protocol.commands import RECORDS_COMMANDS, Named
from protocol.errors import Refused
from protocol.ids import derived_id, is_id
from protocol.rules.records.commands.completeness import DEFAULT_CHECKLIST, review_at_discharge
from protocol.rules.records.completeness import Checklist, RequiredDocument

from .cases import RESIDENT, RESIDENT_ID, Desk, ident

STAY_ID = ident(7)
DISCHARGED = {"resident_id": RESIDENT_ID, "status": "discharged",
              "discharged_at": "2026-10-09", "disposition": "death"}


def test_a_derived_id_is_an_id_fixed_by_its_source_and_purpose() -> None:
    review = derived_id(STAY_ID, "completeness_review")
    assert is_id(review)
    assert review[:10] == STAY_ID[:10]  # sorts with the stay it came from
    assert review == derived_id(STAY_ID, "completeness_review")
    assert review not in (STAY_ID, derived_id(ident(8), "completeness_review"),
                          derived_id(STAY_ID, "something else"))
    with pytest.raises(ValueError, match="not a record id"):
        derived_id("stay-1", "completeness_review")


def test_every_document_the_disposition_needs_is_a_deficiency() -> None:
    args = review_at_discharge(STAY_ID, DISCHARGED, None)
    assert (args["review_id"], args["stay_id"], args["discharged_on"], args["present"]) == \
        (derived_id(STAY_ID, "completeness_review"), STAY_ID, "2026-10-09", [])
    assert [d["code"] for d in args["deficiencies"]] == [
        d.code for d in DEFAULT_CHECKLIST.required_for("death")]
    assert "death_certificate" in [d["code"] for d in args["deficiencies"]]
    own = Checklist((RequiredDocument("face_sheet", "Face sheet"),))
    assert [d["code"] for d in review_at_discharge(STAY_ID, DISCHARGED, own)["deficiencies"]] \
        == ["face_sheet"]


def test_the_review_opens_only_for_the_stays_discharge_on_that_date() -> None:
    stay = Named("stay", STAY_ID, DISCHARGED)
    desk = Desk(date(2026, 11, 10), records=(RESIDENT, stay))
    opened = desk.run("open_review", review_at_discharge(STAY_ID, DISCHARGED, None))
    assert opened["stay_id"] == STAY_ID
    still_in = Named("stay", ident(9), {**DISCHARGED, "status": "active", "discharged_at": None})
    desk = Desk(date(2026, 11, 10), records=(RESIDENT, still_in))
    with pytest.raises(Refused) as refused:
        desk.run("open_review", {**review_at_discharge(STAY_ID, DISCHARGED, None),
                                 "review_id": ident(10), "stay_id": ident(9)})
    assert refused.value.reason == "not_discharged"


def test_a_repeat_is_recognised_whatever_deficiencies_the_terminal_predicted() -> None:
    spec = RECORDS_COMMANDS["open_review"]
    args = spec.clean_args(review_at_discharge(STAY_ID, DISCHARGED, None))
    older = spec.clean_args({**args, "deficiencies": args["deficiencies"][:2]})
    assert spec.identity(args) == spec.identity(older)
    assert spec.identity(args) != spec.identity({**args, "discharged_on": "2026-10-08"})
