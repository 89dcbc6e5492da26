"""Characters that Python's ``str.isdigit`` calls digits but ``int`` refuses
(superscripts such as "²") get the same clear answer as any other bad number:
404 in a path, 400 in a query or form, never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("world")

ODD = "²"


async def test_an_odd_digit_in_a_held_operation_path_is_not_found(visitor, manager, world):
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/held/some-terminal/{ODD}"
    assert (await visitor.response("GET", page)).status == 404
    await visitor.get(f"/portal/facilities/{world.a.id}/held")
    status, _ = await visitor.post(page, {"decision": "apply"})
    assert status == 404


async def test_an_odd_digit_in_the_audit_statement_query_is_a_clear_400(visitor, manager,
                                                                         world):
    await visitor.sign_in(manager)
    status, body = await visitor.json(
        f"/portal/facilities/{world.a.id}/audit/consistency.json?from={ODD}")
    assert status == 400 and "from=N" in str(body)
    status, body = await visitor.json(
        f"/portal/facilities/{world.a.id}/audit/consistency.json?from=1")
    assert status == 200


async def test_an_odd_digit_as_licensed_beds_is_refused_with_the_form_kept(visitor, manager,
                                                                            world):
    await visitor.sign_in(manager)
    await visitor.get(f"/portal/facilities/{world.a.id}/compliance")
    status, text = await visitor.post(f"/portal/facilities/{world.a.id}/compliance", {
        "profile": "federal", "day_start": "00:00", "occupancy_method": "quarter_to_date",
        "pbj_facility_id": "", "beds_from": "2026-01-01", "beds": ODD * 3})
    assert status == 400 and "whole number" in text


async def test_an_odd_digit_sign_in_code_gets_the_one_answer(visitor, manager):
    await visitor.post("/portal/sign-in", {"username": manager.username,
                                           "password": manager.password})
    status, text = await visitor.post("/portal/sign-in/code", {"code": ODD * 6})
    assert status != 500 and "The user name, password or code is not right." in text


@pytest.mark.parametrize(("raw", "number"), [
    ("0", 0), ("42", 42), ("9" * 18, int("9" * 18)), ("9" * 19, None), ("", None),
    ("²", None), ("٣", None), ("-1", None), (" 1", None), ("1.0", None), (None, None)])
def test_the_portal_reads_a_number_in_ascii_digits_only(raw, number):
    from server.http.portal.forms import digits

    assert digits(raw) == number
