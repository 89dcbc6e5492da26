"""One rule, one place: the terminal (offline, from its encrypted store) and the
server (from its database) compute the same compliance reports from the same
records, and the PBJ file the server writes is one CMS's schema accepts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from client.clock import ManualClock
from protocol.reports.catalog import REPORTS
from server.portal import bulletins
from server.portal.principals import PortalRole, Principal
from server.reports.compliance import facility_report

from .compliance_world import OCT, TODAY, build

pytestmark = pytest.mark.slow


@pytest.fixture
def world(org):
    from datetime import datetime

    clock = ManualClock(datetime(2026, 11, 10, 9, 0))
    session = org.terminal(org.a, "rm.MG", clock=clock)
    w = build(session, org.a.beds)
    # A bulletin from the region, so the acknowledgements report has rows on both sides.
    region = Principal("account", "01J0000000000000000000RM01", "rm_north",
                       PortalRole.REGIONAL_MANAGER, frozenset({org.a.id}))
    bulletins.publish(org.engine, org.settings, region, facility_ids=[org.a.id], fields={
        "title": "Revised copy fees", "source": "State Medicaid notice 2026-14",
        "effective_on": "2026-10-20", "text": "Fees are capped.", "audience": "everyone",
        "due_on": "2026-10-30"})
    report = session.sync()
    assert report.error is None
    assert report.rejected == 0 and report.conflicts == 0
    yield org, session, w
    session.lock()


def test_terminal_and_server_reports_agree(world) -> None:
    org, session, _w = world
    end = date(2026, 10, 31)
    for name in sorted(REPORTS):
        here = session.compliance.report(name, OCT, end)
        there = facility_report(org.engine, name, org.a.id, OCT, end, today=TODAY,
                                produced_at="x")
        assert here.columns == there.columns, name
        assert here.rows == there.rows, name
        assert here.summary == there.summary, name
        assert here.failing == there.failing, name
        assert here.rows, f"{name} has no rows for the test facility"
    assert session.compliance.status().lines == __import__(
        "server.reports", fromlist=["facility_status"]).facility_status(
        org.engine, org.a.id, today=TODAY).lines


def test_the_portal_dashboard_figures_are_the_terminals_status(world) -> None:
    """What a regional manager sees for the facility is what its clerk's
    compliance screen says, offline, from the same records."""
    from protocol.rules.due import overdue_list
    from server.portal import figures
    from server.reports.compliance import facts_of

    org, session, _w = world
    status = session.compliance.status()
    computed, svg = figures.compute(facts_of(org.engine, org.a.id), TODAY)
    assert computed["level"] == status.level
    assert computed["staffing_text"] == [line.text for line in status.lines
                                         if line.topic == "staffing"]
    assert computed["mds_overdue"] == len(overdue_list(status.due["mds"])) > 0
    assert computed["licenses_expired"] == len(overdue_list(status.due["licenses"])) > 0
    census = session.compliance.report("census", TODAY, TODAY)
    assert computed["census"] == len(census.rows) > 0
    assert svg.startswith("<svg") and "Total nursing HPRD" in svg


def test_the_deliberate_problems_are_found(world) -> None:
    _org, session, _w = world
    days = session.compliance.report("staffing-days", OCT, date(2026, 10, 31))
    by_date = {row[0]: row for row in days.rows}
    assert by_date["2026-10-04"][-2] == "FAIL"
    assert "RN 8 consecutive hours not met" in by_date["2026-10-04"][-1]
    assert by_date["2026-10-06"][-2] == "ok"
    roster = session.compliance.report("licenses", OCT, date(2026, 10, 31))
    lines = [r for r in roster.rows if r[0] == "Osei, Pat"]
    assert any(r[8] == "violation" for r in lines)
    assert any(r[3] == "LPN" and r[8] == "expired" for r in roster.rows)
    assert any(r[3] == "worked unlicensed" and r[0] == "Thompson, Pat" for r in roster.rows)


def test_pbj_file_from_the_server_cli_is_valid(world, tmp_path: Path) -> None:
    import xmlschema

    from server.admin import cli
    from server.admin.compliance import set_facility

    org, _session, _w = world
    out = tmp_path / "pbj.xml"
    base = ["--database-url", org.settings.database_url]
    assert cli.main([*base, "pbj", "--facility", org.a.id, "--quarter", "2027Q1", "--out",
                     str(out), "--today", TODAY.isoformat()]) == 1
    assert not out.exists()  # no PBJ facility id yet: CMS would reject it
    set_facility(org.engine, org.settings, facility_id=org.a.id, pbj_facility_id="OH-123456")
    assert cli.main([*base, "pbj", "--facility", org.a.id, "--quarter", "2027Q1", "--out",
                     str(out), "--today", TODAY.isoformat()]) == 0
    schema = xmlschema.XMLSchema(str(Path(__file__).parents[1] / "unit" / "rules" / "data"
                                     / "nhpbj_4_10_0.xsd"))
    schema.validate(str(out))
    text = out.read_text()
    assert "<facilityId>OH-123456</facilityId>" in text
    assert "<employeeId>E-1</employeeId>" in text


def test_pdf_figures_are_the_csv_figures(world, tmp_path: Path) -> None:
    import csv
    import io

    from pypdf import PdfReader

    _org, session, _w = world
    pdf = session.compliance.export_report("staffing-days", OCT, date(2026, 10, 31), "pdf",
                                           tmp_path / "days.pdf")
    data = session.compliance.export_report("staffing-days", OCT, date(2026, 10, 31), "csv",
                                            tmp_path / "days.csv")
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    rows = list(csv.reader(io.StringIO(data.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Census", "Nurse hours"]
    assert len(rows) == 32
    pages = len(reader.pages)
    assert f"Page {pages} of {pages}" in text
    assert "Maple Grove Care Center" in text and "2026-10-01 to 2026-10-31" in text
    assert "data as of" in text
    lines = [line.strip() for line in text.splitlines()]
    for row in rows[1:]:
        # each day's figures follow its date in the PDF, cell by cell, as in the CSV
        at = lines.index(row[0])
        figures = [cell for cell in row[1:10] if cell]
        assert lines[at + 1:at + 1 + len(figures)] == figures, row
    with session.store.read() as conn:
        import sqlalchemy as sa

        from client.store.database import AUDIT
        events = conn.execute(sa.select(AUDIT.c.event, AUDIT.c.detail)).all()
    exports = [e for e in events if e.event == "export"]
    assert len(exports) == 2 and "days.pdf" in exports[0].detail


def _exports(org, facility_id: str) -> int:
    return [r.action for r in org.audit_actions(facility_id)].count("admin:export")


def _without_time(data: bytes) -> dict:
    value = json.loads(data)
    value.pop("produced_at")
    return value


@pytest.mark.parametrize("processes", ["1", "2"])
def test_one_report_for_every_facility_from_the_server_cli(world, tmp_path: Path, capsys,
                                                           processes: str) -> None:
    """A regional sweep: one file per facility, each the facility's own report (the
    same with worker processes as in one), each written audited in its own chain."""
    import sqlalchemy as sa

    from protocol.reports.render import render
    from server.admin import cli
    from server.storage.models import T

    org, _session, _w = world
    with org.engine.connect() as conn:
        facilities = dict(conn.execute(sa.select(T.facilities.c.id, T.facilities.c.name)).all())
    assert len(facilities) >= 2
    before = {fid: _exports(org, fid) for fid in facilities}
    expected = {fid: _without_time(render(facility_report(
        org.engine, "staffing-days", fid, OCT, date(2026, 10, 31), today=TODAY,
        produced_at="x", produced_by="chartkeep-server"), "json")) for fid in facilities}
    out = tmp_path / "sweep"
    assert cli.main(["--database-url", org.settings.database_url, "report", "staffing-days",
                     "--all-facilities", "--from", OCT.isoformat(), "--to", "2026-10-31",
                     "--format", "json", "--out", str(out), "--today", TODAY.isoformat(),
                     "--processes", processes]) == 0
    files = {path.name: path for path in out.iterdir()}
    assert len(files) == len(facilities)
    for fid in facilities:
        (name,) = [n for n in files if n.endswith(f"_{fid}.json")]
        assert name.startswith("staffing-days_2026-10-01_2026-10-31_")
        assert _without_time(files[name].read_bytes()) == expected[fid]
        assert _exports(org, fid) == before[fid] + 1
    assert any(json.loads(p.read_bytes())["rows"] for p in files.values())
    err = capsys.readouterr().err
    assert f"{len(facilities)}/{len(facilities)} facilities" in err


def test_many_facility_report_refuses_before_writing(world, tmp_path: Path, capsys) -> None:
    from server.admin import cli

    org, _session, _w = world
    base = ["--database-url", org.settings.database_url, "report", "staffing-days", "--from",
            OCT.isoformat(), "--to", "2026-10-31", "--format", "csv"]
    out = tmp_path / "sweep"
    assert cli.main([*base, "--facility", org.a.id, "--facility", "01NOSUCHFACILITY0000000000",
                     "--out", str(out)]) == 2
    assert "no such facility: 01NOSUCHFACILITY0000000000" in capsys.readouterr().err
    assert not out.exists()
    assert cli.main([*base, "--facility", org.a.id, "--all-facilities", "--out", str(out)]) == 2
    assert "not both" in capsys.readouterr().err
    assert cli.main([*base, "--out", str(out)]) == 2
    assert "--all-facilities" in capsys.readouterr().err
    a_file = tmp_path / "a-file"
    a_file.write_text("keep")
    assert cli.main([*base, "--all-facilities", "--out", str(a_file)]) == 2
    assert "names a directory" in capsys.readouterr().err
    assert a_file.read_text() == "keep"
    assert not out.exists()


def test_exports_are_readable_by_their_owner_only(world, tmp_path: Path) -> None:
    """The export dialog says "choose a place only you can reach"; the file is owner-only
    too, whatever the umask, and an older file in its place is narrowed."""
    import os
    import stat

    _org, session, _w = world
    old = tmp_path / "days.csv"
    old.write_text("an older export\n")
    old.chmod(0o644)
    previous = os.umask(0o022)
    try:
        pdf = session.compliance.export_report("staffing-days", OCT, date(2026, 10, 31), "pdf",
                                               tmp_path / "days.pdf")
        data = session.compliance.export_report("staffing-days", OCT, date(2026, 10, 31),
                                                "csv", old)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o600
    assert data.read_text(encoding="utf-8-sig").startswith("Date,")
