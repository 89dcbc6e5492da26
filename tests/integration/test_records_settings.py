"""A facility's records settings set centrally reach its terminals, and the
server's copy decides what a review lists even when a terminal predicted it
from an older one."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from protocol.records import RecordKind
from protocol.rules.records.commands.reading import facility_profile
from protocol.rules.research.deidentify import HHS_RESTRICTED_ZIP3
from server.core.records_settings import set_records_settings
from server.errors import AdminError
from server.storage.models import T

from .conftest import Org, outbox_statuses, resident

DEFAULT_AT_HOME = ["discharge_summary", "discharge_order", "final_progress_note",
                   "medication_reconciliation", "discharge_mds", "care_plan"]


def test_a_checklist_set_while_a_terminal_was_offline_decides_its_review(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    rid = manager.residents.register(resident())
    stay = manager.stays.admit(rid, admitted_at="2026-09-01", bed_id=org.a.beds[0])
    manager.sync()
    manager.stays.discharge(stay, discharged_at="2026-10-09", disposition="home")
    [predicted] = manager.casework.cases(RecordKind.COMPLETENESS_REVIEW)
    assert [d["code"] for d in predicted.data["deficiencies"]] == DEFAULT_AT_HOME
    set_records_settings(org.engine, org.settings, facility_id=org.a.id, checklist={
        "documents": [{"code": "face_sheet", "title": "Face sheet"},
                      {"code": "death_certificate", "title": "Death certificate",
                       "when": ["death"]}]})
    manager.sync()
    # The terminal's opening was recognised as the server's own, not refused.
    assert set(outbox_statuses(manager).values()) == {"applied"}
    [review] = manager.casework.cases(RecordKind.COMPLETENESS_REVIEW)
    assert review.id == predicted.id
    assert [d["code"] for d in review.data["deficiencies"]] == ["face_sheet"]
    assert [d.code for d in manager.casework.checklist().documents] == \
        ["face_sheet", "death_certificate"]


def test_a_records_profile_set_centrally_moves_the_terminal_s_clocks(org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    rid = manager.residents.register(resident())
    stay = manager.stays.admit(rid, admitted_at="2026-09-01", bed_id=org.a.beds[0])
    manager.stays.discharge(stay, discharged_at="2026-10-09", disposition="home")
    manager.sync()
    [item] = [i for i in manager.casework.due() if i.area == "completeness"]
    assert item.due_text == "2026-11-08"  # 30 days after discharge by default
    profile = manager.casework.profile().to_dict()
    set_records_settings(org.engine, org.settings, facility_id=org.a.id,
                         profile=dict(profile, delinquent_after_days=14))
    manager.sync()
    [item] = [i for i in manager.casework.due() if i.area == "completeness"]
    assert item.due_text == "2026-10-23"


def test_a_restricted_zip3_list_set_centrally_decides_the_terminal_s_extracts(
        org: Org, tmp_path: Path) -> None:
    # Reference §5 Safe Harbor: the restricted ZIP3 list is data (current Census figures).
    manager = org.terminal(org.a, "rm.MG")
    rid = manager.residents.register(resident(address="12 Elm Street, Dayton, OH 45402"))
    manager.stays.admit(rid, admitted_at="2026-09-01", bed_id=org.a.beds[0])

    def zips() -> list[str]:
        manager.extracts.write("safe_harbor", tmp_path / "x.csv", purpose="study",
                               recipient="State University")
        with (tmp_path / "x.csv").open() as file:
            return [row["zip"] for row in csv.DictReader(file)]

    assert zips() == ["454"]
    profile = manager.casework.profile().to_dict()
    set_records_settings(org.engine, org.settings, facility_id=org.a.id,
                         profile=dict(profile, restricted_zip3=["454", "036"]))
    manager.sync()
    assert zips() == ["000"]


EARLIER_RELEASE_KEYS = {"state", "retention", "access", "delinquent_after_days", "holidays"}
"""The top-level keys a terminal of the release before the later settings accepts
in a stored records profile: it refuses any other, and then reads every setting
from its state's default."""


def test_settings_added_later_are_stored_where_an_earlier_terminal_does_not_look(
        org: Org) -> None:
    manager = org.terminal(org.a, "rm.MG")
    own = dict(manager.casework.profile().to_dict(), delinquent_after_days=14,
               posted_staffing_months=36, restricted_zip3=["036", "454"])
    set_records_settings(org.engine, org.settings, facility_id=org.a.id, profile=own)
    data = _facility_record(org)
    assert set(data["records_profile"]) <= EARLIER_RELEASE_KEYS
    assert data["records_profile"]["delinquent_after_days"] == 14
    assert data["records_profile_later"] == {"posted_staffing_months": 36,
                                             "restricted_zip3": ["036", "454"]}
    manager.sync()  # this release reads both parts
    profile = manager.casework.profile()
    assert (profile.delinquent_after_days, profile.posted_staffing_months,
            sorted(profile.restricted_zip3)) == (14, 36, ["036", "454"])

    # A later part holding a setting this release does not know yet costs nothing else.
    assert facility_profile({**data, "records_profile_later": {
        "posted_staffing_months": 36, "a_setting_from_the_future": 1}}).delinquent_after_days \
        == 14
    # Back to the defaults: the later part goes too.
    set_records_settings(org.engine, org.settings, facility_id=org.a.id,
                         profile=dict(own, posted_staffing_months=18,
                                      restricted_zip3=sorted(HHS_RESTRICTED_ZIP3)))
    assert "records_profile_later" not in _facility_record(org)
    # No Census count leaves every 3-digit area large: an empty list is refused.
    with pytest.raises(AdminError, match="restricted_zip3"):
        set_records_settings(org.engine, org.settings, facility_id=org.a.id,
                             profile=dict(own, restricted_zip3=[]))


def _facility_record(org: Org) -> dict[str, Any]:
    with org.engine.connect() as conn:
        data = conn.execute(sa.select(T.records.c.data).where(
            T.records.c.id == org.a.id, T.records.c.kind == str(RecordKind.FACILITY))).scalar()
    assert isinstance(data, dict)
    return data
