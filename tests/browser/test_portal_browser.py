"""The portal in a real browser (Chromium, no JavaScript needed): a regional
manager signs in with a TOTP code, drills down to a facility, reviews a held
operation, issues an inspector access; the inspector signs in with the link
and the code in another browser; the manager revokes the access and the
inspector's next page says so. Reports: the manager drills down to a facility's
reports and downloads one and its signed bundle; the inspector downloads the
entrance-conference pack, which verifies, until the access is revoked."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from protocol import hlc
from protocol.bundles import verify_bundle
from protocol.ids import new_id
from protocol.messages import EnrollRequest, PushRequest
from protocol.ops import Operation, OpType
from protocol.signing import new_private_key, prove_possession, public_bytes, seal
from server import admin
from server.core.authentication import TerminalInfo
from server.core.service import SyncService
from server.portal import inspections
from server.portal.principals import PortalRole, Principal

pytestmark = pytest.mark.browser


def held_operation(portal) -> str:
    """A terminal of Maple Grove sends a new resident after its clerk was deactivated."""
    engine, settings = portal.engine, portal.settings
    admin.create_user(engine, settings, facility_id=portal.facility_a, username="clerk_a",
                      role="clerk")
    service = SyncService(engine, settings)
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=portal.facility_a)
    request = EnrollRequest(code, "front desk", public_bytes(key),
                            prove_possession(key, code), "clerk_a")
    enrolled = service.enroll(seal(key, "enroll", "new", 0, request.to_wire()), request)
    terminal = TerminalInfo(enrolled.terminal_id, enrolled.facility_id, public_bytes(key))
    admin.deactivate_user(engine, settings, username="clerk_a")
    now = settings.clock()
    op = Operation(new_id(), 1, OpType.CREATE, portal.facility_a, enrolled.user_id,
                   hlc.pack(now, 0), {"kind": "resident", "id": new_id(), "fields": {
                       "mrn": "MG900", "family_name": "Okafor", "given_name": "Adaeze",
                       "birth_date": "1941-03-02", "sex": "female"}}, 1)
    push = PushRequest([op], 1)
    result = service.push(terminal, seal(key, "push", terminal.id, 1, push.to_wire(), ts=now),
                          push).results[0]
    assert result.status == "held"
    return terminal.id


def test_sign_in_drill_down_and_review_a_held_operation(signed_in: Page, portal):
    page = signed_in
    held_operation(portal)
    table = page.get_by_role("table")
    expect(table).to_contain_text("Maple Grove")
    expect(table).not_to_contain_text("Oak Hill")
    page.get_by_role("link", name="Maple Grove").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maple Grove")
    expect(page.get_by_role("table")).to_contain_text("front desk")
    page.get_by_role("navigation", name="Maple Grove").get_by_role(
        "link", name="Held operations").click()
    page.get_by_role("link", name="front desk").click()
    expect(page.get_by_role("table")).to_contain_text("Adaeze")
    page.get_by_label("Apply it, as if the user were still active").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text("Operation 1 reviewed: applied.")
    expect(page.get_by_text("Nothing is held for review.")).to_be_visible()


def test_the_skip_link_comes_first_for_keyboard_users(signed_in: Page):
    page = signed_in
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_an_inspector_access_is_issued_used_and_revoked(signed_in: Page, browser: Browser,
                                                         portal):
    page = signed_in
    page.get_by_role("link", name="Inspector accesses").click()
    page.get_by_role("link", name="Issue an inspector access").click()
    page.get_by_label("Inspector's name").fill("Dana Surveyor")
    page.get_by_label("Agency").fill("Ohio Department of Health")
    page.get_by_label("Purpose (recorded with every view)").fill("Annual recertification")
    page.get_by_label("Maple Grove (OH)").check()
    page.get_by_label("Number of hours (1–72)").fill("72")
    page.get_by_role("button", name="Issue the access").click()
    key = page.locator("#access-key").inner_text()
    code = page.locator("#access-code").inner_text()

    inspector = browser.new_context().new_page()
    inspector.goto(portal.url + "/portal/access")
    inspector.get_by_label("Access key").fill(key)
    inspector.get_by_role("button", name="Continue").click()
    expect(inspector).to_have_url(portal.url + "/portal/access")  # the key is never in a URL
    inspector.get_by_label("Access code").fill(code)
    inspector.get_by_role("button", name="Sign in").click()
    expect(inspector.get_by_role("heading", level=1)).to_have_text("Your inspector access")
    inspector.get_by_role("link", name="Maple Grove").click()
    expect(inspector.get_by_role("heading", level=1)).to_have_text("Maple Grove")

    page.get_by_role("link", name="See this access").click()
    expect(page.get_by_role("table")).to_contain_text("/portal/inspect/facilities/")
    page.get_by_role("button", name="Revoke now").click()
    expect(page.get_by_role("status")).to_contain_text("The access is revoked")

    inspector.reload()
    expect(inspector.get_by_role("alert")).to_have_text(
        "This inspector access was revoked by the regional manager.")
    again = browser.new_context().new_page()
    again.goto(portal.url + "/portal/access")
    again.get_by_label("Access key").fill(key)
    again.get_by_role("button", name="Continue").click()
    expect(again.get_by_role("alert")).to_contain_text("revoked")


@pytest.mark.parametrize("width", [768, 1280])
def test_pages_fit_a_tablet_and_a_laptop(signed_in: Page, portal, width):
    """No page scrolls sideways: wide tables scroll inside their own region."""
    page = signed_in
    held_operation(portal)
    page.set_viewport_size({"width": width, "height": 1024})
    for path in ("/portal", f"/portal/facilities/{portal.facility_a}",
                 f"/portal/facilities/{portal.facility_a}/users", "/portal/inspections/new"):
        page.goto(portal.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)


def _download(page: Page, link: Any) -> bytes:
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    return Path(path).read_bytes()


def _verified(data: bytes) -> Any:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return verify_bundle({name: archive.read(name) for name in archive.namelist()})


def test_a_manager_drills_down_to_a_report_and_its_signed_bundle(signed_in: Page):
    page = signed_in
    page.get_by_role("link", name="Maple Grove").first.click()
    page.get_by_role("navigation", name="Maple Grove").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports — Maple Grove")
    page.get_by_label("From", exact=True).fill("2026-09-01")
    page.get_by_label("To", exact=True).fill("2026-09-14")
    page.get_by_role("button", name="Show reports for this period").click()
    csv_data = _download(page, page.get_by_role("link", name="Alphabetical census as CSV"))
    assert csv_data.decode("utf-8-sig").startswith("Resident")
    bundle = _download(page, page.get_by_role(
        "link", name="License and registry roster as a signed bundle"))
    report = _verified(bundle)
    assert report.facility_name == "Maple Grove" and len(report.files) == 3
    assert report.entries == 2


def test_an_inspector_downloads_the_entrance_pack_until_revoked(signed_in: Page,
                                                                 browser: Browser, portal):
    page = signed_in
    issued = inspections.issue(
        portal.engine, portal.settings,
        Principal("account", portal.manager_id, portal.manager, PortalRole.REGIONAL_MANAGER,
                  frozenset([portal.facility_a])),
        inspector_name="Dana Surveyor", agency="Ohio Department of Health",
        purpose="Complaint 2026-114", facility_ids=[portal.facility_a],
        not_before=portal.settings.clock(),
        expires_at=portal.settings.clock() + 3 * inspections.DAY_MS)
    inspector = browser.new_context(accept_downloads=True).new_page()
    inspector.goto(f"{portal.url}/portal/access")
    inspector.get_by_label("Access key").fill(issued.token)
    inspector.get_by_role("button", name="Continue").click()
    inspector.get_by_label("Access code").fill(issued.code)
    inspector.get_by_role("button", name="Sign in").click()
    inspector.get_by_role("link", name="Maple Grove").click()
    inspector.get_by_role("link", name=re.compile("entrance-conference pack")).click()
    link = inspector.get_by_role("link", name=re.compile("Download the entrance-conference"))
    report = _verified(_download(inspector, link))
    assert report.title.startswith("Entrance-conference pack") and len(report.files) == 12

    page.goto(f"{portal.url}/portal/inspections/{issued.id}")
    page.get_by_role("button", name="Revoke now").click()
    expect(page.get_by_role("status")).to_contain_text("The access is revoked")
    inspector.goto(portal.url + link.get_attribute("href"))
    expect(inspector.get_by_role("alert")).to_have_text(
        "This inspector access was revoked by the regional manager.")
