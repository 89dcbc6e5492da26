"""The bulletin acknowledgements report from hand-built records: who acknowledged
which bulletin when, who is overdue by its due date, and the PDF saying what the
CSV says."""

from __future__ import annotations

import csv
import io
from datetime import date

from pypdf import PdfReader

from protocol.reports.catalog import build_report
from protocol.reports.facts import FacilityFacts, Row
from protocol.reports.model import Report, ReportMeta
from protocol.reports.render import to_csv, to_pdf
from protocol.rules.department.bulletins import standing

META = ReportMeta(produced_at="2026-11-20 09:00", data_as_of="2026-11-20 08:55 (last sync)")
FACILITY = Row("facility", "F1", {"name": "Maple Grove Care Center", "state_code": "OH"})
USERS = [
    Row("user", "u1", {"username": "ann", "display_name": "Ann Ortiz", "role": "clerk"}),
    Row("user", "u2", {"username": "bea", "display_name": "Bea Chen",
                       "role": "records_manager"}),
    Row("user", "u3", {"username": "cy", "display_name": "Cy Park", "role": "clerk",
                       "active": False}),
]
FEES = Row("bulletin", "B1", {
    "title": "Medicaid fee schedule", "source": "Ohio Medicaid notice 26-04",
    "effective_on": "2026-11-01", "published_on": "2026-11-02", "due_on": "2026-11-13",
    "audience": "everyone", "acknowledgements": [
        {"user_id": "u1", "on": "2026-11-12"},
        # Cy acknowledged before being deactivated: still on the record.
        {"user_id": "u3", "on": "2026-11-03"}]})
CODING = Row("bulletin", "B2", {
    "title": "Coding update", "source": "CMS transmittal 12345", "effective_on": "2026-11-15",
    "published_on": "2026-11-16", "due_on": "2026-11-30", "audience": "records_managers",
    "acknowledgements": []})
OLD = Row("bulletin", "B0", {
    "title": "Old notice", "source": "CMS", "effective_on": "2026-01-01",
    "published_on": "2026-01-02", "due_on": "2026-01-31", "audience": "everyone",
    "acknowledgements": [{"user_id": "u1", "on": "2026-02-03"}]})


def _report(today: date = date(2026, 11, 20)) -> Report:
    facts = FacilityFacts.from_rows(FACILITY, [*USERS, FEES, CODING, OLD])
    return build_report("bulletin-acknowledgements", facts, date(2026, 11, 1),
                        date(2026, 11, 30), today=today, meta=META)


def test_each_reader_with_when_they_acknowledged_or_that_they_are_overdue() -> None:
    report = _report()
    assert [r[1:] for r in report.rows] == [
        ("Medicaid fee schedule", "Ohio Medicaid notice 26-04", "2026-11-01", "Ann Ortiz",
         "clerk", "2026-11-12", "acknowledged"),
        ("Medicaid fee schedule", "Ohio Medicaid notice 26-04", "2026-11-01", "Bea Chen",
         "records manager", "", "overdue"),
        ("Medicaid fee schedule", "Ohio Medicaid notice 26-04", "2026-11-01", "Cy Park",
         "clerk", "2026-11-03", "acknowledged"),
        ("Coding update", "CMS transmittal 12345", "2026-11-15", "Bea Chen",
         "records manager", "", "not yet due"),
    ]  # the January bulletin is outside the period; clerks need not read B2
    assert report.failing == frozenset({1})
    assert report.header_lines()[1] == ("Period 2026-11-01 to 2026-11-30 · regulation "
                                        "bulletins in force in the period; standing on the "
                                        "day produced")
    assert dict(report.summary) == {"Bulletins": "2", "Acknowledged": "2",
                                    "Acknowledged late": "0", "Overdue": "1",
                                    "Not yet due": "1"}


def test_the_due_day_is_in_time_and_after_it_is_late() -> None:
    assert standing(FEES.data, "u2", date(2026, 11, 13)) == "not yet due"
    assert standing(FEES.data, "u2", date(2026, 11, 14)) == "overdue"
    assert standing(OLD.data, "u1", date(2026, 11, 20)) == "acknowledged late"
    facts = FacilityFacts.from_rows(FACILITY, [*USERS, OLD])
    report = build_report("bulletin-acknowledgements", facts, date(2026, 1, 1),
                          date(2026, 1, 31), today=date(2026, 11, 20), meta=META)
    assert [(r[4], r[7]) for r in report.rows] == [("Ann Ortiz", "acknowledged late"),
                                                   ("Bea Chen", "overdue")]
    assert report.failing == frozenset({0, 1})


def test_the_pdf_shows_the_csv_rows() -> None:
    report = _report()
    lines = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert lines[0] == [c.title for c in report.columns]
    assert [tuple(r) for r in lines[1:]] == list(report.rows)
    pages = PdfReader(io.BytesIO(to_pdf(report))).pages
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert "Regulation bulletin acknowledgements" in text
    for row in report.rows:  # each row read back whole, in the CSV's order
        assert " ".join(cell for cell in row if cell) in text
    assert "Overdue 1 Not yet due 1" in text
