"""Who took what is in the audit log: the router is walked, so a download added
later without its audit entry fails here. Every file route of the portal
(``.csv``, ``.pdf``, ``.zip``, a report's ``{file}``) fetched by a regional
manager is a ``report:download`` entry in the facility's chain, written before
the file is sent; every inspector route, page, twin or file, is an
``inspect:view`` or ``report:download`` entry naming the access, with the time of
the request."""

from __future__ import annotations

import re

import pytest

from server.http.access import Access, policy_of

pytestmark = pytest.mark.usefixtures("world")
FILE_ROUTE = re.compile(r"\.(?:csv|pdf|zip)$|/\{file\}$")
NOT_RESIDENT_STAFFING_OR_MONEY = {
    "/portal/inspections/{access_id}/facilities/{facility_id}/bundle.zip":
        "an inspector access's own trail (audit entries: pages and times), signed",
}
"""File routes that hand out no resident, staffing or financial data, and why."""


def _get_routes(app, policy: Access) -> list[str]:
    return sorted({r.resource.canonical for r in app.router.routes()
                   if r.method == "GET" and policy_of(r.handler) is policy})


def _fill(path: str, facility_id: str) -> str:
    return (path.replace("{facility_id}", facility_id).replace("{file}", "census.csv")
            + ("?from=1" if path.endswith("/consistency.json") else ""))


def _entries(h, engine, facility_id: str, actions: tuple[str, ...]) -> list:
    return [a for a in h.audit_rows(engine, chain=facility_id) if a.action in actions]


async def test_every_file_a_manager_downloads_is_audited_before_it_is_sent(
        app_client, visitor, manager, world, h, engine, clock):
    routes = [r for r in _get_routes(app_client.app, Access.ACCOUNT) if FILE_ROUTE.search(r)
              and r not in NOT_RESIDENT_STAFFING_OR_MONEY]
    base = "/portal/facilities/{facility_id}"
    assert {base + "/reports/{file}", base + "/spending.csv", base + "/spending.pdf"} <= \
        set(routes)  # the walk finds them, so this test cannot pass on nothing
    await visitor.sign_in(manager)
    for route in routes:
        clock.advance(1_000)
        before = _entries(h, engine, world.a.id, ("report:download",))
        response = await visitor.response("GET", _fill(route, world.a.id))
        assert response.status == 200, route
        after = _entries(h, engine, world.a.id, ("report:download",))
        assert len(after) == len(before) + 1, f"{route} is not audited"
        entry = after[-1]
        assert (entry.actor, entry.at, entry.detail["page"]) == (
            "portal:rm_north", clock.now, _fill(route, world.a.id)), route


async def test_every_inspector_route_is_audited_naming_the_access(
        app_client, visitors, manager, world, h, engine, settings, clock, p):
    """security.md: an inspector's access is audited at every use. The facility's
    audit page, its twin and the consistency statement were not."""
    routes = _get_routes(app_client.app, Access.INSPECTOR)
    assert "/portal/inspect/facilities/{facility_id}/audit" in routes
    issued = p.issue_access(engine, settings, manager, [world.a.id])
    inspector = await visitors()
    await inspector.post("/portal/access/key", {"key": issued.token})
    status, _ = await inspector.post("/portal/access", {"code": issued.code})
    assert status == 200
    seen = ("inspect:view", "report:download")
    for route in routes:
        clock.advance(1_000)
        before = _entries(h, engine, world.a.id, seen)
        path = _fill(route, world.a.id)
        response = await inspector.response("GET", path)
        assert response.status == 200, route
        after = _entries(h, engine, world.a.id, seen)
        assert len(after) > len(before), f"{route} is not audited"
        entry = after[-1]
        assert (entry.actor, entry.at, entry.purpose) == (
            f"inspector:{issued.id}", clock.now, "inspection"), route
        assert entry.detail["page"] == path.split("?")[0] or \
            entry.detail["page"] == path, route
        assert entry.detail["stated_purpose"] == "Annual recertification survey", route
