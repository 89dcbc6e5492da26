"""A facility's records settings set centrally reach its terminals, and the
server's copy decides what a review lists even when a terminal predicted it
from an older one."""

from __future__ import annotations

import csv
from pathlib import Path

from protocol.records import RecordKind
from server.core.records_settings import set_records_settings

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
