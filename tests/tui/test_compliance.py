"""Compliance (F8): the status in words and colour, the due lists, and an export
that is explicit, warned about and audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from textual.widgets import Select

from client.store.database import AUDIT
from client.ui.dialogs.form import FormDialog
from client.ui.screens.compliance import ComplianceScreen

pytestmark = pytest.mark.tui


@pytest.fixture
def short_staffed(offline_terminal):
    """Yesterday (2026-01-14) only an LPN worked: no RN at all, with a resident in
    the house (a facility with none is not judged: docs/rules.md §2.9)."""
    session = offline_terminal.session()
    resident = session.residents.register({"family_name": "Okafor", "given_name": "Adaeze",
                                          "birth_date": "1941-03-02", "sex": "female"})
    session.stays.admit(resident, admitted_at="2026-01-02")
    lpn = session.staff.add({"employee_id": "E-2", "family_name": "Thompson",
                             "given_name": "Keisha", "job_title_code": 9, "pay_type_code": 2})
    session.staff.add_hours(lpn, {"work_date": "2026-01-14", "hours": "8.00",
                                  "job_title_code": 9, "pay_type_code": 2,
                                  "clock_in": "2026-01-14T07:00",
                                  "clock_out": "2026-01-14T15:30", "meal_minutes": 30})
    aide = session.staff.add({"employee_id": "E-3", "family_name": "Osei",
                              "given_name": "Kwame", "job_title_code": 10, "pay_type_code": 2,
                              "hire_date": "2025-12-01"})
    session.staff.add_hours(aide, {"work_date": "2026-01-13", "hours": "7.50",
                                   "job_title_code": 10, "pay_type_code": 2})
    session.lock()
    return offline_terminal


async def test_status_lists_and_an_audited_export(short_staffed, make_app, drive, tmp_path):
    app = make_app(short_staffed)
    async with app.run_test(size=(160, 48)) as pilot:
        ui = drive(pilot)
        await ui.sign_in()
        await pilot.press("f8")
        screen = await ui.wait_for_screen(ComplianceScreen)
        await ui.wait_for(lambda: "Yesterday" in ui.text_of("#compliance-status"))
        status = ui.text_of("#compliance-status")
        assert "FAIL" in status
        assert "Yesterday (2026-01-14): RN 8 consecutive hours not met: no RN hours" in status
        await ui.wait_for(lambda: "Osei" in ui.table_text("#list-registry"))
        assert "violation" in ui.table_text("#list-registry")

        await pilot.press("x")
        dialog = await ui.wait_for_screen(FormDialog)
        assert "PLAINTEXT" in ui.text_of(".dialog-intro")
        target = tmp_path / "out" / "days.csv"
        await ui.fill(start="2026-01-13", end="2026-01-14", path=str(target))
        dialog.query_one("#field-format", Select).value = "csv"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await ui.wait_for(lambda: not dialog.is_attached)
        assert screen.is_attached
    assert "2026-01-14" in target.read_text(encoding="utf-8-sig")
    session = short_staffed.session()
    with session.store.read() as conn:
        events = conn.execute(sa.select(AUDIT.c.event, AUDIT.c.detail)).all()
    session.lock()
    assert [e.event for e in events].count("export") == 1
