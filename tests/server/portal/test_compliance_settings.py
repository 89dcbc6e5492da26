"""Compliance settings from the portal: a regional manager changes their
facility's (profile, day start, occupancy method, PBJ id, licensed beds), the
facility's terminals receive them at the next pull, the change is audited under
the manager's name; outside the region, 404; bad values are said plainly. Only
administrators edit a staffing profile (it is shared by every facility)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.usefixtures("world")


async def test_a_manager_changes_the_compliance_settings_and_terminals_receive_them(
        visitor, manager, world, terminal, engine, h):
    term = terminal("a")
    _, cursor = term.pull_all()
    await visitor.sign_in(manager)
    status, body = await visitor.json(f"/portal/facilities/{world.a.id}/compliance.json")
    assert status == 200 and body["compliance"]["profile"] == "federal"
    assert "CA" in [p["key"] for p in body["profiles"]]
    await visitor.get(f"/portal/facilities/{world.a.id}/compliance")
    status, text = await visitor.post(f"/portal/facilities/{world.a.id}/compliance", {
        "profile": "CA", "day_start": "07:00", "occupancy_method": "quarter_to_date",
        "pbj_facility_id": "CA-1234", "beds_from": "2026-01-01", "beds": "120"})
    assert status == 200 and "Compliance settings saved" in text
    _, body = await visitor.json(f"/portal/facilities/{world.a.id}/compliance.json")
    c = body["compliance"]
    assert (c["profile"], c["day_start"], c["pbj_facility_id"]) == ("CA", "07:00", "CA-1234")
    assert c["bed_counts"] == [{"start": "2026-01-01", "beds": 120}]
    changes, _ = term.pull_all(cursor)
    facility = next(ch for ch in changes if ch.record_id == world.a.id)
    assert facility.data["compliance"]["profile"]["key"] == "CA"
    assert facility.data["compliance"]["day_start"] == "07:00"
    audited = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "admin:set_facility"]
    assert [a.actor for a in audited] == ["portal:rm_north"]


async def test_bad_compliance_values_are_refused_with_the_form_kept(visitor, manager, world):
    await visitor.sign_in(manager)
    await visitor.get(f"/portal/facilities/{world.a.id}/compliance")
    status, text = await visitor.post(f"/portal/facilities/{world.a.id}/compliance", {
        "profile": "federal", "day_start": "25:99", "occupancy_method": "quarter_to_date",
        "pbj_facility_id": "", "beds_from": "", "beds": ""})
    assert status == 400 and "HH:MM" in text
    status, text = await visitor.post(f"/portal/facilities/{world.a.id}/compliance", {
        "profile": "nowhere", "day_start": "00:00", "occupancy_method": "quarter_to_date",
        "pbj_facility_id": "", "beds_from": "2026-01-01", "beds": "many"})
    assert status == 400 and "whole number" in text
    status, text = await visitor.post(f"/portal/facilities/{world.a.id}/compliance", {
        "profile": "nowhere", "day_start": "00:00", "occupancy_method": "quarter_to_date",
        "pbj_facility_id": "", "beds_from": "", "beds": ""})
    assert status == 400 and "no staffing profile" in text


async def test_outside_the_region_and_without_the_token_nothing_changes(visitor, manager,
                                                                        world, engine, h):
    await visitor.sign_in(manager)
    form = {"profile": "CA", "day_start": "07:00", "occupancy_method": "quarter_to_date",
            "pbj_facility_id": "", "beds_from": "", "beds": ""}
    status, _ = await visitor.post(f"/portal/facilities/{world.b.id}/compliance", form)
    assert status == 404
    assert (await visitor.json(f"/portal/facilities/{world.b.id}/compliance.json"))[0] == 404
    status, _ = await visitor.post(f"/portal/facilities/{world.a.id}/compliance", form,
                                   csrf=False)
    assert status == 403
    assert not [a for a in h.audit_rows(engine) if a.action == "admin:set_facility"]


async def test_only_an_administrator_edits_a_staffing_profile(visitors, manager, admin_account,
                                                               engine, h):
    rm, admin = await visitors(), await visitors()
    await rm.sign_in(manager)
    assert (await rm.json("/portal/profiles/CA.json"))[0] == 404
    await admin.sign_in(admin_account)
    status, body = await admin.json("/portal/profiles/CA.json")
    assert status == 200 and body["profile"]["key"] == "CA"
    edited = {**body["profile"], "notes": "Reviewed by the regional office."}
    await admin.get("/portal/profiles/CA")
    status, text = await admin.post("/portal/profiles/CA", {"profile": json.dumps(edited)})
    assert status == 200 and "Profile saved" in text
    _, body = await admin.json("/portal/profiles/CA.json")
    assert body["profile"]["notes"] == "Reviewed by the regional office."
    status, text = await admin.post("/portal/profiles/CA", {"profile": "{not json"})
    assert status == 400 and "Not JSON" in text
    status, text = await admin.post("/portal/profiles/CA", {"profile": json.dumps(
        {**edited, "week_start": 12})})
    assert status == 400 and "week_start" in text
    rm_post, _ = await rm.post("/portal/profiles/CA", {"profile": json.dumps(edited)})
    assert rm_post == 404
    assert [a.actor for a in h.audit_rows(engine) if a.action == "admin:put_profile"] == [
        "portal:admin_ops"]
