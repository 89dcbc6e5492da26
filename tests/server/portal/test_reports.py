"""Report downloads in the portal: a manager's and an inspector's, in their
scope only (404 outside, as for nothing), every download audited with its
purpose and the SHA-256 of what was handed out; the report's bytes are the ones
the shared definitions render; bundles and the entrance-conference pack verify
offline."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import pytest

from protocol.bundles import verify_bundle
from protocol.reports.render import render
from server.portal import reports
from server.reports.compliance import facility_now, facility_report
from server.storage.db import read_tx

pytestmark = pytest.mark.usefixtures("world")
PERIOD = "?from=2026-09-01&to=2026-09-14"


@pytest.fixture
def resident(terminal, h, world):
    """One resident admitted to Maple Grove's first bed, named so it can be found."""
    term = terminal("a")
    rid, create = h.new_resident(term, family="Quillfeather", given="Ada")
    _, admit = h.admit(term, rid, world.a.beds[0])
    term.push([create, admit])
    return rid


async def redeem(visitor, issued):
    await visitor.post("/portal/access/key", {"key": issued.token})
    return await visitor.post("/portal/access", {"code": issued.code})


async def fetch(browser, path):
    response = await browser.response("GET", path)
    return response, response._body


def unzip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_a_manager_downloads_a_report_as_pdf_csv_and_json(
        visitor, manager, world, resident, engine, settings, h):
    await visitor.sign_in(manager)
    status, text = await visitor.get(f"/portal/facilities/{world.a.id}/reports")
    assert status == 200 and "Alphabetical census" in text and "signed bundle" in text
    response, body = await fetch(visitor, f"/portal/facilities/{world.a.id}/reports/census.csv"
                                          + PERIOD)
    assert response.status == 200 and response.content_type == "text/csv"
    assert 'filename="census_MG_2026-09-01_2026-09-14.csv"' in \
        response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    with read_tx(engine) as conn:
        today = facility_now(conn, world.a.id, settings.clock()).date()
    start, end = reports.period(today, "2026-09-01", "2026-09-14")
    expected = facility_report(engine, "census", world.a.id, start, end, today=today,
                               produced_at="")
    assert rows == list(csv.reader(io.StringIO(
        render(expected, "csv").decode("utf-8-sig"))))
    assert any("Quillfeather" in cell for row in rows for cell in row)
    response, pdf = await fetch(visitor, f"/portal/facilities/{world.a.id}/reports/census.pdf"
                                         + PERIOD)
    assert response.content_type == "application/pdf" and pdf.startswith(b"%PDF")
    response, raw = await fetch(visitor, f"/portal/facilities/{world.a.id}/reports/census.json"
                                         + PERIOD)
    data = json.loads(raw)
    assert data["report"] == "census" and data["period"] == {"start": "2026-09-01",
                                                             "end": "2026-09-14"}
    assert data["produced_by"] == "rm_north"
    downloads = [a for a in h.audit_rows(engine, chain=world.a.id)
                 if a.action.startswith("report:")]
    assert [a.action for a in downloads] == ["report:produce", "report:download"] * 3
    produced = downloads[0].detail
    assert produced["files"] == {"census_2026-09-01_2026-09-14.csv":
                                 hashlib.sha256(body).hexdigest()}
    assert {a.actor for a in downloads} == {"portal:rm_north"}
    assert {a.purpose for a in downloads} == {"operations"}


async def test_the_reports_page_has_a_json_twin(visitor, manager, world):
    await visitor.sign_in(manager)
    status, body = await visitor.json(f"/portal/facilities/{world.a.id}/reports.json" + PERIOD)
    assert status == 200 and body["period"] == {"from": "2026-09-01", "to": "2026-09-14"}
    names = [r["name"] for r in body["reports"]]
    assert "staffing-days" in names and "mds" in names
    census = next(r for r in body["reports"] if r["name"] == "census")
    assert census["links"]["zip"] == (f"/portal/facilities/{world.a.id}/reports/census.zip"
                                      + PERIOD)
    assert body["pack"]["reports"] == list(reports.PACK_REPORTS)


async def test_the_default_period_is_the_last_14_complete_days(visitor, manager, world,
                                                              engine, settings):
    """Today is in progress (docs/rules.md §2.9): the period a manager and an
    inspector get without choosing one ends yesterday, as the terminal's "last 14
    days" does; a period asked from today on is today alone."""
    await visitor.sign_in(manager)
    status, body = await visitor.json(f"/portal/facilities/{world.a.id}/reports.json")
    with read_tx(engine) as conn:
        today = facility_now(conn, world.a.id, settings.clock()).date()
    assert status == 200 and body["period"] == {
        "from": (today - timedelta(days=14)).isoformat(),
        "to": (today - timedelta(days=1)).isoformat()}
    assert reports.period(today, today.isoformat(), None) == (today, today)
    assert reports.period(today, None, "2026-09-14") == (date(2026, 9, 1), date(2026, 9, 14))


async def test_outside_the_region_a_report_is_not_found(visitor, manager, world):
    await visitor.sign_in(manager)
    for path in (f"/portal/facilities/{world.b.id}/reports/census.json",
                 f"/portal/facilities/{world.b.id}/reports.json",
                 "/portal/facilities/no-such-facility/reports/census.json"):
        status, body = await visitor.json(path)
        assert (status, body["error"]) == (404, "not_found"), path
    outside = await visitor.get(f"/portal/facilities/{world.b.id}/reports/census.pdf")
    missing = await visitor.get("/portal/facilities/no-such-facility/reports/census.pdf")
    assert outside[0] == 404 and outside == missing


async def test_unknown_reports_and_bad_periods_are_refused_plainly(visitor, manager, world):
    await visitor.sign_in(manager)
    base = f"/portal/facilities/{world.a.id}/reports/"
    for file in ("nothing.pdf", "census.exe", "census", "entrance-pack.pdf", "nothing.json"):
        assert (await visitor.get(base + file))[0] == 404, file
    status, body = await visitor.json(base + "census.json?from=2026-13-01")
    assert (status, body["error"]) == (400, "invalid") and "YYYY-MM-DD" in body["detail"]
    status, body = await visitor.json(base + "census.json?from=2026-09-10&to=2026-09-01")
    assert status == 400 and "ends before it starts" in body["detail"]
    status, text = await visitor.get(base + "census.pdf?from=2020-01-01&to=2026-09-01")
    assert status == 400 and "at most" in text


async def test_nobody_signed_in_gets_no_report(visitor, world):
    status, body = await visitor.json(f"/portal/facilities/{world.a.id}/reports/census.json")
    assert (status, body["error"]) == (401, "sign_in_required")
    response = await visitor.response("GET", f"/portal/facilities/{world.a.id}/reports/census.pdf")
    assert response.status == 303 and "/portal/sign-in" in response.headers["Location"]


async def test_an_inspector_downloads_in_scope_audited_with_the_stated_purpose(
        visitors, manager, world, resident, engine, settings, p, h):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    await redeem(inspector, issued)
    status, text = await inspector.get(f"/portal/inspect/facilities/{world.a.id}")
    assert f"/portal/inspect/facilities/{world.a.id}/reports" in text
    status, text = await inspector.get(f"/portal/inspect/facilities/{world.a.id}/reports")
    assert status == 200 and "Entrance-conference pack" in text
    response, body = await fetch(
        inspector, f"/portal/inspect/facilities/{world.a.id}/reports/licenses.pdf" + PERIOD)
    assert response.status == 200 and body.startswith(b"%PDF")
    entries = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "report:download"]
    assert len(entries) == 1 and entries[0].actor == f"inspector:{issued.id}"
    assert entries[0].purpose == "inspection"
    assert entries[0].detail["stated_purpose"] == "Annual recertification survey"
    assert entries[0].detail["report"] == "licenses"
    # B is not in the access: the same answer as a facility that does not exist.
    outside = await inspector.json(f"/portal/inspect/facilities/{world.b.id}/reports/census.json")
    missing = await inspector.json("/portal/inspect/facilities/nope/reports/census.json")
    assert outside[0] == 404 and outside == missing
    # An inspector cannot use the managers' routes, nor a manager the inspector's.
    assert (await inspector.get(f"/portal/facilities/{world.a.id}/reports/census.csv"))[0] \
        == 404
    rm = await visitors()
    await rm.sign_in(manager)
    assert (await rm.get(f"/portal/inspect/facilities/{world.a.id}/reports/census.csv"))[0] \
        == 404


async def test_a_revoked_inspector_gets_no_more_reports(visitors, manager, world, engine,
                                                         settings, p, h):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector, rm = await visitors(), await visitors()
    await redeem(inspector, issued)
    path = f"/portal/inspect/facilities/{world.a.id}/reports/census.csv"
    assert (await fetch(inspector, path))[0].status == 200
    await rm.sign_in(manager)
    await rm.get(f"/portal/inspections/{issued.id}")
    await rm.post(f"/portal/inspections/{issued.id}/revoke")
    before = len(h.audit_rows(engine, chain=world.a.id))
    response, _ = await fetch(inspector, path)
    assert response.status == 410
    assert not [a for a in h.audit_rows(engine, chain=world.a.id)[before:]
                if a.action.startswith("report:")]


async def test_a_report_bundle_verifies_and_proves_its_production_and_download(
        visitor, manager, world, resident, engine):
    await visitor.sign_in(manager)
    response, body = await fetch(
        visitor, f"/portal/facilities/{world.a.id}/reports/census.zip" + PERIOD)
    assert response.status == 200 and response.content_type == "application/zip"
    contents = unzip(body)
    report = verify_bundle(contents)
    assert sorted(report.files) == [f"files/census_2026-09-01_2026-09-14.{fmt}"
                                    for fmt in ("csv", "json", "pdf")]
    manifest = json.loads(contents["manifest.json"])
    actions = [e["entry"]["action"] for e in manifest["entries"]]
    assert actions == ["report:produce", "report:download"]
    produced = manifest["entries"][0]["entry"]["detail"]["files"]
    for name, digest in produced.items():
        assert hashlib.sha256(contents["files/" + name]).hexdigest() == digest
    assert manifest["entries"][1]["entry"]["actor"] == "portal:rm_north"
    assert b"Quillfeather" in contents["files/census_2026-09-01_2026-09-14.csv"]


async def test_the_entrance_conference_pack_is_one_verified_bundle(
        visitors, manager, world, resident, engine, settings, p):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    await redeem(inspector, issued)
    response, body = await fetch(
        inspector, f"/portal/inspect/facilities/{world.a.id}/reports/entrance-pack.zip"
        + PERIOD)
    assert response.status == 200
    assert 'filename="entrance-pack_MG_2026-09-01_2026-09-14.zip"' in \
        response.headers["Content-Disposition"]
    contents = unzip(body)
    report = verify_bundle(contents)
    assert report.title.startswith("Entrance-conference pack")
    assert sorted(report.files) == sorted(
        f"files/{name}_2026-09-01_2026-09-14.{fmt}"
        for name in reports.PACK_REPORTS for fmt in ("csv", "pdf"))
    manifest = json.loads(contents["manifest.json"])
    download = manifest["entries"][1]["entry"]
    assert download["actor"] == f"inspector:{issued.id}"
    assert download["detail"]["stated_purpose"] == "Annual recertification survey"


async def test_the_manager_sees_the_inspectors_downloads_with_the_views(
        visitors, manager, world, engine, settings, p):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector, rm = await visitors(), await visitors()
    await redeem(inspector, issued)
    await fetch(inspector, f"/portal/inspect/facilities/{world.a.id}/reports/mds.csv" + PERIOD)
    await rm.sign_in(manager)
    _, body = await rm.json(f"/portal/inspections/{issued.id}.json")
    assert [(v["action"], v["page"]) for v in body["views"]] == [
        ("inspect:view", "/portal/inspect"),
        ("report:download", f"/portal/inspect/facilities/{world.a.id}/reports/mds.csv"
         + PERIOD)]
