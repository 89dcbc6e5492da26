"""The NUL character (U+0000) sent to the portal, on both backends (PostgreSQL's
text cannot hold one; the rule is :data:`protocol.schema.NUL_REFUSED`): a form
field or a query holding one is refused as invalid (400, the field named), a
path part holding one names nothing (404), before any look-up or audit entry
sees it; the sign-in form included. A form that shows its errors in place (the
sign-in, a bulletin, an account, an inspector's access, an emergency access's
review) is shown again with the field named and what was typed kept, the NUL
shown as ␀ (never a password or key). Every route, signed in or not, with NULs
in its path, query and every form field, answers below 500."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from server.http.app import create_app

NUL = "\x00"
SHOWN = "\u2400"
ERROR_PAGE = "<title>Please check the form"
FIELDS = ["active", "agency", "audience", "beds", "beds_from", "code", "day_start", "days",
          "decision", "display_name", "due_on", "effective_on", "facilities", "from", "hours",
          "inspector_name", "key", "limit", "name", "next", "note", "occupancy_method",
          "page", "password", "pbj_facility_id", "profile", "purpose", "reason", "role",
          "source", "state", "text", "title", "to", "username", "valid_from"]
"""Every field name a portal form has (its templates' ``name=`` attributes)."""
PARAM = re.compile(r"\{([^}]+)\}")
BULLETIN = {"title": "New fee schedule", "source": "CMS transmittal R1234",
            "effective_on": "2026-09-21", "due_on": "2026-09-30", "audience": "everyone",
            "text": "Read it."}


async def test_a_sign_in_with_a_nul_is_refused_as_invalid(visitor, manager, world):
    for field in ("username", "password"):
        sent = {"username": manager.username, "password": manager.password}
        sent[field] = sent[field][:2] + NUL + sent[field][2:]
        status, text = await visitor.post("/portal/sign-in", sent)
        assert status == 400, field
        assert f"{field.capitalize()} must not contain NUL characters" in text
        # The sign-in form again, the user name as typed, the password not.
        assert ERROR_PAGE not in text and 'action="/portal/sign-in"' in text
        shown = sent["username"].replace(NUL, SHOWN)
        assert f'value="{shown}"' in text
        assert sent["password"].replace(NUL, SHOWN) not in text
        assert NUL not in text
    status, text = await visitor.sign_in(manager)  # and the account still signs in
    assert status == 200 and "Sign out" in text


async def test_an_inspector_access_key_with_a_nul_is_refused_as_invalid(visitor, world):
    status, text = await visitor.post("/portal/access", {"key": "abc" + NUL, "code": "123456"})
    assert status == 400 and "Key must not contain NUL characters" in text
    assert ERROR_PAGE not in text and 'action="/portal/access/key"' in text
    assert "abc" not in text  # a key is never shown back


async def test_a_form_field_with_a_nul_publishes_nothing(visitor, manager, world, terminal):
    await visitor.sign_in(manager)
    await visitor.get("/portal/bulletins/new")
    status, text = await visitor.post("/portal/bulletins", {
        **BULLETIN, "title": "New" + NUL, "facilities": world.a.id})
    assert status == 400 and "Title must not contain NUL characters" in text
    # The form again, with what was typed, the field named (a generic error page
    # lost it all).
    assert ERROR_PAGE not in text and 'action="/portal/bulletins"' in text
    title = f'name="title" required maxlength="200" value="New{SHOWN}" aria-invalid="true"'
    assert title in text
    assert f'value="{BULLETIN["source"]}"' in text and ">Read it.</textarea>" in text
    assert f'value="{world.a.id}" checked' in text
    assert NUL not in text
    changes, _ = terminal("a", "clerk_MG").pull_all()
    assert [c for c in changes if c.kind == "bulletin"] == []


async def test_an_account_or_inspector_access_form_with_a_nul_is_shown_again(
        visitor, visitors, admin_account, manager, world):
    await visitor.sign_in(admin_account)
    await visitor.get("/portal/accounts")
    status, text = await visitor.post("/portal/accounts", [
        ("username", "rm_south"), ("display_name", "Ana" + NUL + " Ruiz"),
        ("role", "regional_manager"), ("facilities", world.a.id)])
    assert status == 400 and "Display name must not contain NUL characters" in text
    assert ERROR_PAGE not in text and 'action="/portal/accounts"' in text
    assert 'value="rm_south"' in text
    assert f'value="Ana{SHOWN} Ruiz" aria-invalid="true"' in text
    status, text = await visitor.get("/portal/accounts")
    assert status == 200 and "rm_south" not in text  # no account made
    rm = await visitors()
    await rm.sign_in(manager)
    await rm.get("/portal/inspections/new")
    status, text = await rm.post("/portal/inspections", [
        ("inspector_name", "Dana Surveyor"), ("agency", "Ohio Department of Health"),
        ("purpose", "Complaint" + NUL), ("facilities", world.a.id), ("hours", "5")])
    assert status == 400 and "Purpose must not contain NUL characters" in text
    assert ERROR_PAGE not in text and 'action="/portal/inspections"' in text
    assert 'value="Dana Surveyor"' in text and 'value="Ohio Department of Health"' in text
    assert f'aria-invalid="true">Complaint{SHOWN}</textarea>' in text
    assert 'value="5"' in text and f'value="{world.a.id}" checked' in text
    status, text = await rm.get("/portal/inspections")
    assert status == 200 and "Dana Surveyor" not in text  # no access issued


async def test_a_path_or_query_with_a_nul_is_not_found_or_invalid(visitor, manager, world):
    await visitor.sign_in(manager)
    status, body = await visitor.json(f"/portal/facilities/{quote(NUL + world.a.id[1:])}.json")
    assert (status, body["error"]) == (404, "not_found")
    status, body = await visitor.json(f"/portal/facilities/{world.a.id}/audit.json"
                                      f"?from={quote(NUL)}")
    assert (status, body["error"]) == (400, "invalid")
    status, body = await visitor.json(f"/portal/facilities/{world.a.id}/audit.json")
    assert status == 200  # the page itself is there


def _routes(settings) -> list[tuple[str, str]]:
    app = create_app(settings)
    return sorted({(r.method, r.resource.canonical) for r in app.router.routes()
                   if r.method != "HEAD"})


@pytest.mark.parametrize("who", ["administrator", "regional manager", "nobody"])
async def test_no_route_answers_a_nul_with_a_server_error(visitor, admin_account, manager,
                                                          settings, world, who):
    if who != "nobody":
        await visitor.sign_in(admin_account if who == "administrator" else manager)
    else:
        await visitor.get("/portal/sign-in")
    query = "&".join(f"{name}={quote(NUL)}" for name in ("from", "to", "page", "next", "days"))
    failed = []
    for method, path in _routes(settings):
        for real in (False, True):  # a NUL in every part, or a real facility beside them
            url = PARAM.sub(lambda m, real=real: world.a.id
                            if real and m.group(1) == "facility_id" else quote("x" + NUL), path)
            if method == "GET":
                answers = [await visitor.response("GET", f"{url}?{query}")]
            else:
                answers = [await visitor.response("POST", url, data=[
                    *((name, "ok" if name != nul else "a" + NUL) for name in FIELDS),
                    ("csrf", visitor.csrf)]) for nul in ("title", "username", "reason")]
            failed += [(method, url, a.status) for a in answers if a.status >= 500]
    assert failed == []
