"""A facility's budget and spending in the portal, over HTTP: the page and its
JSON twin list lines, requests, the journal and budget against actual; a
regional manager approves a request above the facility's limit with the form
(audited under their name, sent to the terminals at their next pull); the CSV
and the chart come with it; an administrator may look but not decide."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from protocol.ids import new_id

from .conftest import make_account

pytestmark = pytest.mark.usefixtures("world")
TODAY = "2026-09-21"


def _spend(terminal, world):
    rm = terminal("a", "rm_MG")
    line, big, small, waiting = new_id(), new_id(), new_id(), new_id()
    ops = [rm.op("command", {"name": "set_budget_line", "args": {
        "line_id": line, "fiscal_year": 2026, "department": "HIM", "account": "Scanning",
        "amount": "12000.00"}})]
    for rid, amount, vendor in ((big, "4800.00", "Iron Mountain"), (small, "180.00", "Staples"),
                                (waiting, "300.00", "Uline")):
        ops.append(rm.op("command", {"name": "request_expenditure", "args": {
            "expenditure_id": rid, "line_id": line, "amount": amount, "vendor": vendor,
            "justification": "Closed charts <b>backlog</b>", "requested_on": TODAY}}))
    ops.append(rm.op("command", {"name": "decide_expenditure", "args": {
        "expenditure_id": small, "decision": "approved", "decided_on": TODAY}}))
    ops.append(rm.op("command", {"name": "decide_expenditure", "args": {
        "expenditure_id": big, "decision": "approved", "decided_on": TODAY}}))
    results = rm.push(ops).results
    assert [r.status for r in results[:-1]] == ["applied"] * 5
    assert (results[-1].status, results[-1].reason) == ("rejected", "not_permitted")
    return rm, big, small, waiting


async def test_the_region_approves_a_request_above_the_limit(visitor, manager, world, terminal,
                                                             h, engine):
    rm, big, small, waiting = _spend(terminal, world)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/spending"
    status, body = await visitor.json(page + ".json")
    assert status == 200 and body["limit"] == "2500.00"
    assert body["awaiting_region"] == [big]
    assert [j["id"] for j in body["journal"]] == [small]
    status, text = await visitor.get(page)
    assert status == 200 and "Iron Mountain" in text and 'name="decision"' in text
    assert "&lt;b&gt;backlog&lt;/b&gt;" in text  # typed text is shown as typed
    status, text = await visitor.post(f"{page}/{waiting}", {"decision": "refuse",
                                                            "reason": "no"})
    assert status == 400 and "within the records manager&#39;s limit" in text
    status, text = await visitor.post(f"{page}/{big}", {"decision": "refuse"})
    assert status == 400 and "say why" in text
    status, text = await visitor.post(f"{page}/{big}", {"decision": "approve",
                                                        "reason": "survey backlog"})
    assert status == 200 and "Expenditure request approved" in text
    _, body = await visitor.json(page + ".json")
    assert body["awaiting_region"] == []
    assert sorted(j["id"] for j in body["journal"]) == sorted([big, small])
    entries = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "portal:decide_expenditure_above_limit"]
    # The refused attempts are audited too, with the rule's reason.
    assert [(a.target, a.outcome) for a in entries] == [
        (waiting, "rejected"), (big, "rejected"), (big, "applied")]
    assert entries[0].detail["refused"] == "not_permitted"
    entry = entries[-1]
    assert (entry.actor, entry.target, entry.detail["reason"]) == (
        "portal:rm_north", big, "survey backlog")
    changes, _ = rm.pull_all()
    [seen] = [c for c in changes if c.record_id == big and c.data.get("status") == "approved"]
    assert seen.data["decided_by"] == "portal:rm_north"

    response = await visitor.response("GET", page + ".csv")
    rows = list(csv.DictReader(io.StringIO(response._body.decode("utf-8-sig"))))
    september = next(r for r in rows if r["Month"] == "2026-09")
    assert (september["Budget"], september["Actual"]) == ("1000.00", "4980.00")
    assert len(rows) == 12
    chart = await visitor.response("GET", page + ".svg")
    assert chart.status == 200 and chart.content_type == "image/svg+xml"
    assert b"Budget against actual" in chart._body


async def test_an_administrator_may_look_but_not_decide(visitors, world, terminal, engine,
                                                        settings):
    _rm, big, _small, _waiting = _spend(terminal, world)
    admin = make_account(engine, settings, "admin_one", role="administrator")
    visitor = await visitors()
    await visitor.sign_in(admin)
    page = f"/portal/facilities/{world.a.id}/spending"
    status, text = await visitor.get(page)
    assert status == 200 and "Iron Mountain" in text and 'name="decision"' not in text
    status, _ = await visitor.post(f"{page}/{big}", {"decision": "approve"})
    assert status == 404


async def test_the_limit_is_data_the_region_sets(visitor, manager, world, terminal, h, engine):
    rm, big, _small, _waiting = _spend(terminal, world)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/spending"
    await visitor.get(page)
    status, text = await visitor.post(page + "/limit", {"limit": "lots"})
    assert status == 400 and "The limit must be an amount" in text
    status, text = await visitor.post(page + "/limit", {"limit": "5,000"})
    assert status == 200 and "Approval limit saved" in text
    assert h.record(engine, world.a.id).data["expenditure_limit"] == "5000.00"
    # Now the records manager decides the 4,800.00 request at the terminal.
    result = rm.push([rm.op("command", {"name": "decide_expenditure", "args": {
        "expenditure_id": big, "decision": "approved", "decided_on": TODAY}})]).results[0]
    assert result.status == "applied"
    _, body = await visitor.json(page + ".json")
    assert body["limit"] == "5000.00" and body["awaiting_region"] == []
    [entry] = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "portal:set_expenditure_limit"]
    assert entry.detail == {"from": None, "to": "5000.00"}


async def test_budget_against_actual_as_pdf_says_what_the_csv_says(visitor, manager, world,
                                                                   terminal):
    from pypdf import PdfReader

    _spend(terminal, world)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/spending"
    status, text = await visitor.get(page)
    assert status == 200 and "spending.pdf" in text
    response = await visitor.response("GET", page + ".pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    pages = PdfReader(io.BytesIO(response._body)).pages
    pdf = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert "Budget against actual" in pdf and f"Page 1 of {len(pages)}" in pdf
    assert "Period 2026-01-01 to 2026-12-31" in pdf
    csv_rows = list(csv.reader(io.StringIO(
        (await visitor.response("GET", page + ".csv"))._body.decode("utf-8-sig"))))[1:]
    assert len(csv_rows) == 12
    for row in csv_rows:  # each CSV row's cells, in order, on the PDF's page
        assert " ".join(row) in pdf, row
    # Only the approved request counts; the one above the limit waits for the region.
    assert "Approved spending 180.00" in pdf and "Remaining 11820.00" in pdf


async def test_a_decision_is_dated_on_the_facility_s_own_day(visitor, manager, world,
                                                             terminal, clock):
    """At 02:00 UTC on 22 September it is still the 21st in Ohio (UTC-4): the
    region's decision is dated the 21st, not the 22nd some facility has reached."""
    _rm, big, _small, _waiting = _spend(terminal, world)
    clock.now = 1_790_042_400_000  # 2026-09-22 02:00 UTC
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/spending"
    status, _ = await visitor.post(f"{page}/{big}", {"decision": "approve",
                                                     "reason": "survey backlog"})
    assert status == 200
    _, body = await visitor.json(page + ".json")
    [decided] = [r for r in body["requests"] if r["id"] == big]
    assert (decided["status"], decided["decided_on"]) == ("approved", TODAY)


async def test_who_decided_is_named_not_numbered(visitor, manager, world, terminal):
    """The records manager's decision at a terminal and the region's in the portal
    both show the person's name; the stored ids stay in the JSON twin."""
    rm, big, _small, _waiting = _spend(terminal, world)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/spending"
    await visitor.get(page)
    await visitor.post(f"{page}/{big}", {"decision": "approve", "reason": "survey backlog"})
    status, text = await visitor.get(page)
    assert status == 200 and rm.user not in text
    assert f"<td>rm_MG on {TODAY}</td>" in text and f"<td>rm_north on {TODAY}</td>" in text
    journal = text[text.index('id="journal-caption"'):]
    assert "<td>rm_MG</td>" in journal and "<td>rm_north</td>" in journal
    _, body = await visitor.json(page + ".json")
    assert {j["decided_by"] for j in body["journal"]} == {rm.user, "portal:rm_north"}


async def test_budget_files_are_written_like_every_other_report(visitor, manager, world,
                                                                terminal, clock):
    """The same header as the census (produced when, by whom, data as of when), the
    same CSV (byte-order mark, column titles in words) and money always in cents."""
    from pypdf import PdfReader

    _spend(terminal, world)
    await visitor.sign_in(manager)
    base = f"/portal/facilities/{world.a.id}"
    raw = (await visitor.response("GET", base + "/spending.csv"))._body
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Fiscal year", "Department", "Account", "Month", "Budget", "Actual",
                       "Variance", "Budget to date", "Actual to date"]
    january = rows[1]
    assert (january[3], january[5], january[6]) == ("2026-01", "0.00", "1000.00")

    def produced_line(body: bytes) -> str:
        text = " ".join(PdfReader(io.BytesIO(body)).pages[0].extract_text().split())
        start = text.index("Produced")
        return text[start:text.index("(server, last change)", start)]

    budget = produced_line((await visitor.response("GET", base + "/spending.pdf"))._body)
    census = produced_line((await visitor.response(
        "GET", base + "/reports/census.pdf"))._body)
    assert budget.startswith("Produced ") and " by rm_north · data as of " in budget
    assert "portal:" not in budget and "change" not in budget
    assert budget == census


async def test_every_spending_file_and_the_twin_are_audited_as_report_downloads(
        visitor, manager, world, terminal, h, engine, clock):
    """The budget CSV and PDF and the page's JSON twin are each written in the
    facility's chain before they are sent, exactly as a report download is: who
    (the account), what (which report, which period, the SHA-256 of what left) and
    when (the server's time), from which page. The page itself is a read."""
    _spend(terminal, world)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/spending"
    await visitor.get(page)

    def downloads():
        return [a for a in h.audit_rows(engine, chain=world.a.id)
                if a.action.startswith("report:")]

    assert downloads() == []  # the page is a read, as every account page
    bodies = {}
    for ext in ("csv", "pdf", "json"):
        clock.advance(60_000)
        response = await visitor.response("GET", page + "." + ext)
        assert response.status == 200, ext
        bodies[ext] = (response._body, clock.now)
    entries = downloads()
    assert [a.action for a in entries] == ["report:produce", "report:download"] * 3
    assert {(a.actor, a.facility_id, a.target, a.purpose, a.outcome) for a in entries} == {
        ("portal:rm_north", world.a.id, world.a.id, "operations", "applied")}
    for (produced, taken), (ext, (body, at)) in zip(
            zip(entries[::2], entries[1::2], strict=True), bodies.items(), strict=True):
        what = "spending" if ext == "json" else "budget-vs-actual"
        assert produced.at == taken.at == at
        assert produced.detail == {
            "report": what, "from": "2026-01-01", "to": "2026-12-31",
            "files": {f"{what}_2026-01-01_2026-12-31.{ext}": hashlib.sha256(body).hexdigest()}}
        assert taken.detail == {"report": what, "page": f"{page}.{ext}", "bundle": False}
    response = await visitor.response("GET", page + ".csv")
    assert 'filename="budget-vs-actual_MG_2026-01-01_2026-12-31.csv"' in \
        response.headers["Content-Disposition"]


async def test_spending_files_outside_the_region_are_not_found_and_not_audited(
        visitor, manager, world, terminal, h, engine):
    _spend(terminal, world)
    await visitor.sign_in(manager)
    before = len(h.audit_rows(engine, chain=world.b.id))
    for ext in ("csv", "pdf", "json"):
        response = await visitor.response("GET", f"/portal/facilities/{world.b.id}/spending."
                                          + ext)
        assert response.status == 404, ext
    assert len(h.audit_rows(engine, chain=world.b.id)) == before


async def test_the_twin_names_who_asked_and_keeps_their_id(visitor, manager, world, terminal):
    """``requested_by`` stays the stored id (a program may join on it, as on
    ``decided_by``); ``requested_by_name`` is the person, as the page shows them."""
    rm, big, _small, _waiting = _spend(terminal, world)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/spending"
    _, body = await visitor.json(page + ".json")
    [request] = [r for r in body["requests"] if r["id"] == big]
    assert (request["requested_by"], request["requested_by_name"]) == (rm.user, "rm_MG")
    status, text = await visitor.get(page)
    assert status == 200 and f"{TODAY} by rm_MG" in text and rm.user not in text
