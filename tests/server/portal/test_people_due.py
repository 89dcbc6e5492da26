"""The region's staff overdue for in-service training or a performance review:
the compliance rules' own items, kept with each facility's figures; only the
manager's facilities; a facility not yet counted is named, not read as "all done"."""

from __future__ import annotations

import pytest

from protocol.ids import new_id
from server.portal import figures

pytestmark = pytest.mark.usefixtures("world")


def _aide(terminal, facility: str, user: str, family: str, hired: str) -> None:
    term = terminal(facility, user)
    result = term.push([term.op("create", {"kind": "staff", "id": new_id(), "fields": {
        "employee_id": f"E-{family}", "family_name": family, "given_name": "Ana",
        "job_title_code": 10, "pay_type_code": 1, "hire_date": hired}})]).results
    assert [r.status for r in result] == ["applied"]


async def test_the_regions_overdue_training_and_reviews(visitor, manager, world, terminal,
                                                        engine, settings):
    # Server today: 2026-09-21. Hired 2025-01-15: the first review was due by the first
    # anniversary (2026-01-15) and the first year's 12 in-service hours by 2026-01-14.
    _aide(terminal, "a", "rm_MG", "Okonkwo", "2025-01-15")
    _aide(terminal, "b", "rm_OK", "Farfield", "2025-01-15")  # outside the manager's region
    await visitor.sign_in(manager)
    _, before = await visitor.json("/portal/training.json")
    assert before["rows"] == [] and before["not_counted"] == ["Maple Grove"]
    status, text = await visitor.get("/portal/training")
    assert status == 200 and "Not counted yet" in text
    figures.refresh_stale(engine, settings)
    _, body = await visitor.json("/portal/training.json")
    assert body["not_counted"] == [] and body["stale"] == []
    found = {(r["name"], r["rule"], r["due"]) for r in body["rows"]}
    assert ("Okonkwo, Ana", "performance_review", "2026-01-15") in found
    assert {r["rule"] for r in body["rows"]} <= {"performance_review", "in_service_hours",
                                                 "review_weakness"}
    assert "in_service_hours" in {r["rule"] for r in body["rows"]}
    assert all(r["facility_id"] == world.a.id for r in body["rows"])
    status, text = await visitor.get("/portal/training")
    assert status == 200 and "Okonkwo, Ana" in text and "Farfield" not in text
    assert "overdue" in text
