"""A destruction carried out purges the record: at the server only what the law
still requires stays (the certificate, the department's HIPAA documentation,
each stay's census facts, the audit trail), the change log keeps no earlier content,
and every terminal of the facility — and one enrolled afterwards — forgets it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pypdf import PdfReader

from protocol.codec import decode
from server.admin.cli import main
from server.reports.compliance import facility_report

from .conftest import Org, destroy_charts, terminal_records
from .test_records_department import _closed, _facility_in, resident


def test_a_destruction_purges_the_record_at_the_server_and_every_terminal(
        org: Org, tmp_path: Path) -> None:
    wa = _facility_in(org, "WA")
    manager = org.terminal(wa, "rm.WA")
    clerk = org.terminal(wa, "clerk.WA")
    manager.sync()
    # Kept through 2026-06-30 (WA: 8 years after the last discharge), may go now.
    gone = manager.residents.register(resident(family_name="Adams", birth_date="1930-04-04"))
    stay = manager.stays.admit(gone, admitted_at="2016-01-10", bed_id=wa.beds[0])
    note = manager.notes.add(gone, {"category": "nursing", "clinical_time": "2018-06-01T09:00",
                                    "body": "Walked to the garden with her daughter."})
    manager.stays.discharge(stay, discharged_at="2018-06-30", disposition="home")
    disclosure = manager.casework.log_disclosure(
        gone, disclosed_on="2021-03-01", basis="state_survey_agency",
        recipient="Washington DSHS", description="Care plan", purpose="complaint survey")
    stays_here = _closed(manager, wa.beds[1], born="1940-01-01", admitted="2025-01-01",
                         discharged="2025-09-30", family="Recent")
    manager.sync()
    clerk.sync()
    about = {k[1] for k in org.server_records(wa) if _is_about(org, wa, k, gone)}
    assert {gone, stay, note, disclosure} <= about
    assert {gone, note} <= {k[1] for k in terminal_records(clerk)}

    listing = destroy_charts(manager, [gone])
    manager.sync()
    clerk.sync()

    server = org.server_records(wa)
    mark = {"destruction_id": listing, "destroyed_on": "2026-11-10"}
    assert server[("resident", gone)] == {"data": {"resident_id": gone, "_destroyed": mark},
                                          "versions": {}, "conflicts": {},
                                          "status": "destroyed"}
    assert server[("note", note)]["data"] == {"resident_id": gone, "_destroyed": mark}
    assert server[("stay", stay)]["data"] == {
        "resident_id": gone, "admitted_at": "2016-01-10", "discharged_at": "2018-06-30",
        "status": "discharged", "disposition": "home", "return_anticipated": None,
        "leaves": [], "payer": None, "payer_changes": [], "transferred_to": None,
        "admission_type": "new",
        "_destroyed": mark}
    # HIPAA documentation outlives the record (164.530(j)); the certificate is kept for good.
    assert server[("disclosure", disclosure)]["data"]["recipient"] == "Washington DSHS"
    certificate = server[("destruction", listing)]["data"]
    assert (certificate["status"], certificate["witnessed_by"]) == ("destroyed", "Sam Ortiz")
    assert certificate["records"][0]["name"] == "Adams, Adaeze"
    assert server[("resident", stays_here)]["status"] == "active"
    # The change log keeps no earlier snapshot of the purged records.
    assert "Walked to the garden" not in _change_log_text(org, wa.id)
    assert "Adams" not in _change_log_text(org, wa.id, only={gone, note, stay})

    newcomer = org.terminal(wa, "rm2.WA")
    newcomer.sync()
    for session in (manager, clerk, newcomer):
        held = terminal_records(session)
        assert not [k for k in held if k[1] in {gone, stay, note, disclosure}], session
        assert ("resident", stays_here) in held
        assert listing in {k[1] for k in held}
    assert ("command:record_destruction", "applied") in [
        (r.action, r.outcome) for r in org.audit_actions(listing)]

    # The server's reports read past the purged forms (residents not active are left out).
    for name in ("census", "census-stats"):  # June 2018: Adams was in house then
        report = facility_report(org.engine, name, wa.id, date(2018, 6, 1), date(2018, 6, 30),
                                 today=date(2026, 11, 10), produced_at="2026-11-10 09:00")
        assert "Adams" not in str(report.rows), name

    # The accounting of disclosures outlives the record: made at the server, by MRN.
    out = tmp_path / "accounting.pdf"
    code = main(["--database-url", org.settings.database_url, "--data-dir",
                 str(org.settings.data_dir), "accounting", "--facility", wa.id,
                 "--mrn", certificate["records"][0]["mrn"], "--requested-on", "2026-11-10",
                 "--out", str(out)])
    assert code == 0
    assert out.with_suffix(".csv").read_text().splitlines()[1:] == [
        "2021-03-01,Washington DSHS,,Care plan,complaint survey,1,"]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(out)).pages)
    assert "Adams, Adaeze (record destroyed)" in text
    assert "admin:export" in [r.action for r in org.audit_actions(wa.id)]


def _is_about(org: Org, facility: Any, key: tuple[str, str], resident_id: str) -> bool:
    record = org.server_records(facility)[key]
    return key[1] == resident_id or record["data"].get("resident_id") == resident_id


def _change_log_text(org: Org, facility_id: str, only: set[str] | None = None) -> str:
    with org.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT record_id, snapshot FROM changes "
                                    "WHERE facility_id = :f"), {"f": facility_id}).all()
    return " ".join(str(decode(bytes(r.snapshot))) for r in rows
                    if only is None or r.record_id in only)
