"""Every access rule of the portal, over HTTP, by walking the router: a
regional manager outside their region, an inspector outside their access or on
any page not theirs, a manager on an administrator's or an inspector's page —
each gets 404, exactly what a page that does not exist gets. Nothing changes."""

from __future__ import annotations

import re

import pytest

from protocol.ids import new_id
from server.http.access import PORTAL_POLICIES, Access, policy_of
from server.http.app import create_app
from server.storage.db import read_tx
from server.storage.models import T

PARAM = re.compile(r"\{(\w+)\}")


def portal_routes(settings):
    app = create_app(settings)
    out = []
    for route in app.router.routes():
        policy = policy_of(route.handler)
        if route.method == "HEAD" or policy not in PORTAL_POLICIES:
            continue
        out.append((route.method, route.resource.canonical, policy))
    return out


def fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], path)


def audit_count(engine) -> int:
    import sqlalchemy as sa

    with read_tx(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(T.audit).where(
            T.audit.c.action.not_like("portal:%"), T.audit.c.action != "inspect:view"
        )).scalar_one()


def test_every_portal_route_has_one_of_the_portal_policies(settings):
    routes = portal_routes(settings)
    assert len(routes) >= 30
    assert {policy for _, _, policy in routes} == set(PORTAL_POLICIES)


async def test_a_manager_outside_their_region_gets_404_everywhere(
        visitor, manager, world, settings, engine, p):
    """Facility B is real but outside the region; facility X does not exist:
    every facility route answers both alike, and nothing is written."""
    await visitor.sign_in(manager)
    b_access = p.issue_access(engine, settings, manager, [world.b.id])
    outside = {"facility_id": world.b.id, "terminal_id": new_id(), "seq": "1",
               "user_id": world.b.clerk, "access_id": b_access.id, "file": "census.pdf",
               "expenditure_id": new_id(), "kept_id": "1"}
    missing = {**outside, "facility_id": new_id(), "access_id": new_id()}
    before = audit_count(engine)
    checked = 0
    for method, path, policy in portal_routes(settings):
        if policy is not Access.ACCOUNT or ("{facility_id}" not in path
                                            and "{access_id}" not in path):
            continue
        answers = []
        for values in (outside, missing):
            url = fill(path, values)
            if method == "GET":
                response = await visitor.response("GET", url)
                answers.append((response.status, await _text(response)))
            else:
                status, text = await visitor.post(url, {"decision": "apply", "active": "0",
                                                        "username": "x", "role": "clerk",
                                                        "name": "X", "state": "OH"})
                answers.append((status, _main(text)))
        assert answers[0][0] == 404, (method, path, answers[0])
        assert answers[0] == answers[1], (method, path)
        checked += 1
    assert checked >= 15
    assert audit_count(engine) == before


async def _text(response) -> str:
    body = response._body.decode() if response._body else ""
    return _main(body) if body.lstrip().startswith("<") else body


def _main(html: str) -> str:
    """The page's message, without the per-session form token."""
    return re.sub(r'name="csrf" value="[^"]+"', "", html)


async def test_an_inspector_gets_404_outside_their_access_and_on_every_other_page(
        visitors, manager, world, settings, engine, p, h):
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    await inspector.post("/portal/access/key", {"key": issued.token})
    status, _ = await inspector.post("/portal/access", {"code": issued.code})
    assert status == 200
    values = {"facility_id": world.a.id, "terminal_id": new_id(), "seq": "1",
              "user_id": world.a.clerk, "access_id": issued.id, "account_id": manager.id,
              "token": "x", "file": "census.pdf", "key": "CA", "expenditure_id": new_id(),
              "kept_id": "1"}
    before = audit_count(engine)
    checked = writes = 0
    for method, path, policy in portal_routes(settings):
        if policy in (Access.INSPECTOR, Access.PORTAL_OPEN):
            continue
        url = fill(path, values)
        if method == "GET":
            response = await inspector.response("GET", url)
            status = response.status
        else:
            writes += 1
            status, _ = await inspector.post(url, {"decision": "apply", "active": "0",
                                                   "username": "x", "role": "clerk",
                                                   "name": "X", "state": "OH",
                                                   "inspector_name": "x", "agency": "x",
                                                   "purpose": "x", "hours": "3",
                                                   "facilities": world.a.id})
        assert status == 404, (method, path, status)
        checked += 1
    assert checked >= 25
    # Read-only access: every write attempt is audited (one facility in the access),
    # a page that is not the inspector's is not (it answers as one that does not exist).
    assert writes >= 10
    assert audit_count(engine) == before + writes
    outside = (f"/portal/inspect/facilities/{world.b.id}",
               f"/portal/inspect/facilities/{world.b.id}.json",
               f"/portal/inspect/facilities/{new_id()}",
               f"/portal/inspect/facilities/{world.b.id}/audit",
               f"/portal/inspect/facilities/{world.b.id}/reports",
               f"/portal/inspect/facilities/{world.b.id}/reports/census.pdf")
    for path in outside:
        assert (await inspector.response("GET", path)).status == 404, path
    # Another facility's pages (or one that does not exist: the same answer) are
    # refused and audited in the access's own facility (security.md, case 12).
    refused = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "inspect:refused" and a.detail["reason"] == "other_facility"]
    assert sorted(a.detail["page"] for a in refused) == sorted(
        path.split("?")[0] for path in outside)
    assert all(a.actor == f"inspector:{issued.id}" for a in refused)
    assert not [a for a in h.audit_rows(engine, chain=world.b.id)
                if a.action.startswith("inspect:")]


async def test_a_manager_gets_404_on_administrator_and_inspector_pages(
        visitor, manager, world, settings):
    await visitor.sign_in(manager)
    values = {"facility_id": world.a.id, "account_id": manager.id, "file": "census.pdf",
              "key": "CA"}
    checked = 0
    for method, path, policy in portal_routes(settings):
        if policy not in (Access.ADMINISTRATOR, Access.INSPECTOR):
            continue
        url = fill(path, values)
        if method == "GET":
            status = (await visitor.response("GET", url)).status
        else:
            status, _ = await visitor.post(url, {"active": "0", "username": "y",
                                                 "role": "administrator"})
        assert status == 404, (method, path)
        checked += 1
    assert checked >= 8


async def test_an_administrator_sees_every_facility(visitor, admin_account, world):
    await visitor.sign_in(admin_account)
    status, body = await visitor.json("/portal.json")
    assert status == 200
    assert {f["id"] for f in body["facilities"]} == {world.a.id, world.b.id}
    assert (await visitor.response("GET", "/portal/accounts")).status == 200


@pytest.mark.parametrize("path", ["/portal/nothing-here", "/portal/facilities"])
async def test_unknown_portal_pages_are_pages_too(visitor, path):
    response = await visitor.response("GET", path)
    assert response.status == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response.headers


async def test_a_form_body_that_is_not_text_is_refused_not_a_server_error(visitor):
    """Found by the route fuzzer: bytes that are not UTF-8 in a form body."""
    await visitor.get("/portal/sign-in")
    for path in ("/portal/access", "/portal/sign-in"):
        response = await visitor.response(
            "POST", path, data=b"\x80\x81csrf=" + visitor.csrf.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status == 403, path
