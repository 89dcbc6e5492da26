"""Inspector access over HTTP: issued by a manager (key and code shown once,
only hashes kept), redeemed once for a session, every view audited with the
stated purpose, expired, revoked, replayed and locked keys answered with a
clear page; the manager sees who looked at what and downloads it as a signed
bundle that ``chartkeep-verify`` checks — and that exposes a history rewritten
after it was made."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from protocol.bundles import BundleError, verify_bundle
from server.portal import inspections, throttle
from server.portal.principals import PortalRole, Principal
from server.storage.portal_models import P

pytestmark = pytest.mark.usefixtures("world")
DAY_MS = inspections.DAY_MS


async def redeem(visitor, issued, code=None):
    await visitor.post("/portal/access/key", {"key": issued.token})
    return await visitor.post("/portal/access", {"code": code or issued.code})


async def test_a_manager_issues_an_access_and_the_inspector_signs_in_with_key_and_code(
        visitors, manager, world, engine):
    """The access key is pasted into a form, never put in a URL (security.md:
    "an opaque random token … never in a URL"): not in the issued page's links,
    not in any address the inspector's browser is sent to."""
    rm, inspector = await visitors(), await visitors()
    await rm.sign_in(manager)
    await rm.get("/portal/inspections/new")
    status, text = await rm.post("/portal/inspections", [
        ("inspector_name", "Dana Surveyor"), ("agency", "Ohio Department of Health"),
        ("purpose", "Complaint investigation 2026-114"), ("facilities", world.a.id),
        ("hours", "5")])
    assert status == 200 and "Inspector access issued" in text
    key = re.search(r'<code class="secret" id="access-key">([^<]+)</code>', text).group(1)
    code = re.search(r'<code class="secret" id="access-code">([^<]+)</code>', text).group(1)
    page = re.search(r"<code>(http[^<]+)</code>", text).group(1)
    assert page.endswith("/portal/access") and key not in page
    assert not [href for href in re.findall(r'href="([^"]*)"', text) if key in href]
    with engine.connect() as conn:
        stored = conn.execute(sa.select(P.accesses)).one()
    assert key not in (stored.token_hash, stored.code_hash) and code not in stored.code_hash
    status, text = await inspector.get("/portal/access")
    assert status == 200 and "Paste the access key" in text
    response = await inspector.session.post(inspector.url("/portal/access/key"), data={
        "key": key, "csrf": inspector.csrf}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/portal/access"
    assert key not in response.headers["Location"]
    status, text = await inspector.get("/portal/access")
    assert "Type the code" in text and key not in text
    status, text = await inspector.post("/portal/access", {"code": code.lower()})
    assert status == 200 and "Your inspector access" in text and "Maple Grove" in text
    assert "Complaint investigation 2026-114" in text and "Oak Hill" not in text


async def test_the_old_link_form_of_an_access_is_not_served(visitors, manager, world, engine,
                                                            settings, p):
    """A key put in the address anyway is not a way in (and spends nothing)."""
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    status, _ = await (await visitors()).get(f"/portal/access/{issued.token}")
    assert status == 404
    assert (await redeem(await visitors(), issued))[0] == 200


async def test_an_empty_or_oversized_key_is_asked_for_again(visitor):
    await visitor.get("/portal/access")
    for key in ("", "   ", "K" * 201):
        status, text = await visitor.post("/portal/access/key", {"key": key})
        assert status == 400 and "Paste the access key" in text
    status, text = await visitor.post("/portal/access", {"code": "ABCDE-FGHIJ"})
    assert status == 400 and "Paste the access key you were given first" in text


async def test_every_view_is_audited_with_the_stated_purpose(visitors, manager, world, engine,
                                                              settings, p, h):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    await redeem(inspector, issued)
    status, body = await inspector.json(f"/portal/inspect/facilities/{world.a.id}.json")
    assert status == 200 and body["facility"]["name"] == "Maple Grove"
    views = [a for a in h.audit_rows(engine, chain=world.a.id) if a.action == "inspect:view"]
    assert [v.detail["page"] for v in views] == [
        "/portal/inspect", f"/portal/inspect/facilities/{world.a.id}.json"]
    assert {v.detail["stated_purpose"] for v in views} == {"Annual recertification survey"}
    assert {v.actor for v in views} == {f"inspector:{issued.id}"}
    assert {v.purpose for v in views} == {"inspection"}
    rm = await visitors()
    await rm.sign_in(manager)
    _, body = await rm.json(f"/portal/inspections/{issued.id}.json")
    assert [v["page"] for v in body["views"]] == [v.detail["page"] for v in views]
    assert body["access"]["state"] == "active"


async def test_a_key_works_once(visitors, manager, world, engine, settings, p):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    assert (await redeem(await visitors(), issued))[0] == 200
    status, text = await (await visitors()).post("/portal/access/key", {"key": issued.token})
    assert status == 410 and "already been used" in text and "Maple Grove" not in text


async def test_wrong_codes_lock_the_key(visitor, manager, world, engine, settings, p):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    for left in range(inspections.MAX_CODE_FAILURES - 1, 0, -1):
        status, text = await redeem(visitor, issued, code="WRONG-CODE0")
        assert status == 400 and f"{left} attempt" in text
    status, text = await redeem(visitor, issued, code="WRONG-CODE0")
    assert status == 410 and "locked" in text
    status, text = await visitor.post("/portal/access/key", {"key": issued.token})
    assert status == 410 and "locked" in text  # even with the right code from now on
    status, _ = await visitor.post("/portal/access", {"code": issued.code})
    assert status == 400


async def test_an_expired_access_gets_a_clear_page(visitors, manager, world, engine, settings,
                                                   clock, p):
    issued = p.issue_access(engine, settings, manager, [world.a.id], hours=48)
    inspector = await visitors()
    await redeem(inspector, issued)
    clock.advance(2 * DAY_MS + 1000)
    status, text = await inspector.get("/portal/inspect")
    assert status == 410 and "has expired" in text and "Maple Grove" not in text
    unused = p.issue_access(engine, settings, manager, [world.a.id], hours=24)
    clock.advance(DAY_MS + 1000)
    status, text = await (await visitors()).post("/portal/access/key", {"key": unused.token})
    assert status == 410 and "has expired" in text


async def test_an_access_issued_for_30_days_before_the_bound_still_ends_after_72_hours(
        visitors, manager, world, engine, settings, clock, p):
    """Accesses issued while the portal still allowed 30 days keep their stored
    expiry; they end 72 hours after their start all the same (security.md)."""
    old = p.issue_access(engine, settings, manager, [world.a.id], hours=72)
    unused = p.issue_access(engine, settings, manager, [world.a.id], hours=72)
    with engine.begin() as conn:
        conn.execute(sa.update(P.accesses).where(P.accesses.c.id.in_([old.id, unused.id]))
                     .values(expires_at=P.accesses.c.not_before + 30 * DAY_MS))
    inspector = await visitors()
    assert (await redeem(inspector, old))[0] == 200
    clock.advance(72 * inspections.HOUR_MS + 1000)
    status, text = await (await visitors()).post("/portal/access/key", {"key": unused.token})
    assert status == 410 and "has expired" in text
    with pytest.raises(inspections.AccessUnavailable) as refused:
        inspections.load_inspector(engine, settings, old.id)
    assert refused.value.reason == "expired"
    issuer = Principal("account", manager.id, manager.username, PortalRole.REGIONAL_MANAGER,
                       frozenset([world.a.id]))
    states = {a.id: a.state for a in inspections.list_accesses(engine, settings, issuer)}
    assert states[old.id] == states[unused.id] == "expired"


async def test_every_refused_use_of_an_access_is_audited(visitors, manager, world, engine,
                                                         settings, clock, p, h):
    """security.md, case 12: an inspector token used again, before its start or after
    its end is refused and audited, in the chain of each facility of the access."""
    issued = p.issue_access(engine, settings, manager, [world.a.id], hours=24)
    early = p.issue_access(engine, settings, manager, [world.a.id],
                           not_before=clock.now + DAY_MS)
    late = p.issue_access(engine, settings, manager, [world.a.id], hours=24)
    inspector, slow = await visitors(), await visitors()
    assert (await redeem(inspector, issued))[0] == 200
    assert (await (await visitors()).post("/portal/access/key", {"key": issued.token}))[0] == 410
    assert (await (await visitors()).post("/portal/access/key", {"key": early.token}))[0] == 410
    assert (await slow.post("/portal/access/key", {"key": late.token}))[0] == 200  # the code form
    clock.advance(DAY_MS + 1000)
    status, text = await inspector.get("/portal/inspect")
    assert status == 410 and "has expired" in text
    status, text = await slow.post("/portal/access", {"code": late.code})  # too late
    assert status == 410 and "has expired" in text
    refused = [(a.target, a.detail["reason"], a.outcome, a.actor)
               for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "inspect:refused"]
    assert refused == [(issued.id, "used", "refused", f"inspector:{issued.id}"),
                       (early.id, "not_yet", "refused", f"inspector:{early.id}"),
                       (issued.id, "expired", "refused", f"inspector:{issued.id}"),
                       (late.id, "expired", "refused", f"inspector:{late.id}")]


async def test_the_list_of_accesses_says_when_each_ends_to_the_minute(
        visitor, manager, world, engine, settings, clock, p):
    """Accesses last hours now: the list gives each one's start and end with the time."""
    from server.http.portal.pages import when

    issued = p.issue_access(engine, settings, manager, [world.a.id], hours=5)
    await visitor.sign_in(manager)
    status, text = await visitor.get("/portal/inspections")
    assert status == 200
    assert f"{when(clock.now)} – {when(clock.now + 5 * inspections.HOUR_MS)}" in text
    assert issued.id in text


async def test_an_access_not_valid_yet_gets_a_clear_page(visitor, manager, world, engine,
                                                         settings, clock, p):
    issued = p.issue_access(engine, settings, manager, [world.a.id],
                            not_before=clock.now + DAY_MS)
    status, text = await visitor.post("/portal/access/key", {"key": issued.token})
    assert status == 410 and "not valid yet" in text
    clock.advance(DAY_MS)
    assert (await redeem(visitor, issued))[0] == 200


async def test_a_revoked_access_ends_at_the_next_request(visitors, manager, world, engine,
                                                         settings, p, h):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector, rm = await visitors(), await visitors()
    await redeem(inspector, issued)
    await rm.sign_in(manager)
    await rm.get(f"/portal/inspections/{issued.id}")
    status, text = await rm.post(f"/portal/inspections/{issued.id}/revoke")
    assert "The access is revoked" in text and "revoked" in text
    status, text = await inspector.get(f"/portal/inspect/facilities/{world.a.id}")
    assert status == 410 and "was revoked" in text
    status, _ = await inspector.json("/portal/inspect.json")
    assert status == 401  # the session ended with it
    actions = [a.action for a in h.audit_rows(engine, chain=world.a.id)
               if a.target == issued.id]
    # The use after the revocation is refused and audited (security.md, case 12).
    assert actions == ["inspection:issue", "inspection:redeem", "inspection:revoke",
                       "inspect:refused"]


async def test_an_unknown_key_gets_a_clear_page(visitor):
    await visitor.get("/portal/access")
    status, text = await visitor.post("/portal/access/key", {"key": "not-a-real-key"})
    assert status == 410 and "not valid" in text


async def test_unknown_keys_are_audited_and_a_source_guessing_them_is_held_back(
        visitors, manager, world, engine, settings, p, h):
    """Every refused use of an access key is audited (security.md, case 12), an unknown
    one too: it names no facility, so it goes to the ``_system`` chain with the source.
    A source that keeps pasting unknown keys is held back as one that keeps failing the
    sign-in is (the same count per address), so guessing leaves a trace and stops."""
    guesser = await visitors()
    for n in range(throttle.SOURCE_LIMIT):
        status, _ = await guesser.post("/portal/access/key", {"key": f"guess-{n}"})
        assert status == 410, n
    refused = [a for a in h.audit_rows(engine, chain="_system")
               if a.action == "inspect:refused"]
    assert len(refused) == throttle.SOURCE_LIMIT
    assert {(a.outcome, a.purpose, a.detail["reason"]) for a in refused} == {
        ("refused", "security", "unknown")}
    assert all(a.detail["source"] for a in refused)  # where it came from
    assert [a for a in h.audit_rows(engine, chain="_system")
            if a.action == "portal:throttle" and a.outcome == "blocked"]
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    status, text = await guesser.post("/portal/access/key", {"key": issued.token})
    assert status == 429 and "Try again" in text  # even a good key, from that address


async def test_a_write_without_the_form_token_is_audited_too(visitors, manager, world, engine,
                                                             settings, p, h):
    """security.md case 12: an inspector's session used on a write endpoint is refused
    and audited. Sent without the session's form token (a script holding the cookie,
    not the portal's own form) it is refused by the CSRF check before the route is
    reached; that refusal is the same attempt and is audited as one."""
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    assert (await redeem(inspector, issued))[0] == 200
    status, _ = await inspector.post(f"/portal/facilities/{world.a.id}/offline",
                                     {"days": "30"}, csrf=False)
    assert status == 403
    [entry] = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "inspect:write_refused"]
    assert (entry.actor, entry.outcome) == (f"inspector:{issued.id}", "refused")
    assert entry.detail["method"] == "POST" and entry.detail["refused_by"] == "csrf"
    # The portal's own sign-out form is no write of records: not audited as one.
    await inspector.post("/portal/sign-out", csrf=False)
    assert len([a for a in h.audit_rows(engine, chain=world.a.id)
                if a.action == "inspect:write_refused"]) == 1


async def test_issuing_checks_the_form(visitor, manager, world):
    await visitor.sign_in(manager)
    await visitor.get("/portal/inspections/new")
    base = [("inspector_name", "Dana"), ("agency", "ODH"), ("purpose", "Survey")]
    status, text = await visitor.post("/portal/inspections",
                                      [*base, ("facilities", world.a.id), ("hours", "73")])
    assert status == 400 and "1 to 72" in text and 'value="Dana"' in text
    status, text = await visitor.post("/portal/inspections", [*base, ("hours", "3")])
    assert status == 400 and "at least one facility" in text
    status, text = await visitor.post("/portal/inspections",
                                      [*base, ("facilities", world.b.id), ("hours", "3")])
    assert status == 404
    status, text = await visitor.post("/portal/inspections",
                                      [*base[:2], ("purpose", " "), ("facilities", world.a.id),
                                       ("hours", "3")])
    assert status == 400 and "The purpose needs" in text


def test_an_access_lasts_at_most_72_hours(engine, settings, manager, world, p):
    """The security scheme bounds an inspector's token to 72 hours."""
    from server.portal.errors import InputInvalid

    assert p.issue_access(engine, settings, manager, [world.a.id], hours=72).id
    with pytest.raises(InputInvalid, match="at most 72 hours"):
        p.issue_access(engine, settings, manager, [world.a.id], hours=73)


async def test_the_access_log_bundle_verifies_and_exposes_a_later_rewrite(
        visitors, manager, world, engine, settings, p, h):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector, rm = await visitors(), await visitors()
    await redeem(inspector, issued)
    await inspector.get(f"/portal/inspect/facilities/{world.a.id}")
    await rm.sign_in(manager)
    response = await rm.response(
        "GET", f"/portal/inspections/{issued.id}/facilities/{world.a.id}/bundle.zip")
    assert response.status == 200 and response.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response._body)) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    report = verify_bundle(contents)
    assert report.entries == 4  # issued, redeemed, two views
    assert b"inspect:view" in contents["files/access-log.csv"]
    size = report.checkpoint.size
    _, fine = await rm.json(f"/portal/facilities/{world.a.id}/audit/consistency.json"
                            f"?from={size}")
    verify_bundle(contents, statement=fine)
    # A database owner rewrites the views (same number of entries, every hash
    # recomputed): the server's next statement does not extend the bundle's checkpoint.
    log = h.audit_rows(engine, chain=world.a.id)
    first_view = next(a.seq for a in log if a.action == "inspect:view")
    forged = [{**{k: getattr(a, k) for k in ("chain", "at", "actor", "terminal_id",
                                             "facility_id", "action", "target", "outcome",
                                             "purpose")},
               "detail": {**a.detail, "page": "/portal/inspect"}}
              for a in log if a.seq >= first_view]
    h.rewrite_audit(engine, world.a.id, keep=first_view - 1, new_tail=forged)
    _, statement = await rm.json(f"/portal/facilities/{world.a.id}/audit/consistency.json"
                                 f"?from={size}")
    with pytest.raises(BundleError, match="rewritten or cut"):
        verify_bundle(contents, statement=statement)
    # Cut the tail and move the head back: the server cannot prove the old size at all.
    h.rewrite_audit(engine, world.a.id, keep=first_view - 1, new_tail=[])
    status, body = await rm.json(f"/portal/facilities/{world.a.id}/audit/consistency.json"
                                 f"?from={size}")
    assert status == 404 and f"not {size}" in body["detail"]
    _, audit_page = await rm.json(f"/portal/facilities/{world.a.id}/audit.json")
    assert audit_page["checkpoint"]["size"] == first_view - 1
