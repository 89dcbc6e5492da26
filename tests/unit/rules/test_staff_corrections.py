"""The rules of a staff member's records corrected by a later entry: a license
marked entered in error (and the entry marking it) is not changed, and hours
entries are listed with each entry's corrections and void right after it."""

from __future__ import annotations

from typing import Any

from protocol.rules.staffing.corrections import change_problem, in_entry_order

LICENSE = {"staff_id": "S1", "license_type": "RN", "number": "RN-1"}


def test_a_license_marked_entered_in_error_is_not_changed() -> None:
    marking = {**LICENSE, "entered_in_error_of": "L1", "error_reason": "Wrong nurse"}
    kin = [("L1", LICENSE), ("L2", marking), ("L3", {**LICENSE, "number": "RN-3"})]
    assert change_problem("license", "L1", LICENSE, kin) == (
        "this license was marked entered in error (Wrong nurse) and cannot be changed; "
        "add the right license anew")
    assert "marks another license entered in error" in str(
        change_problem("license", "L2", marking, kin))
    assert change_problem("license", "L3", kin[2][1], kin) is None
    no_reason = [("L2", {**marking, "error_reason": "  "})]
    assert change_problem("license", "L1", LICENSE, no_reason) == (
        "this license was marked entered in error and cannot be changed; "
        "add the right license anew")


def _hours(rec_id: str, day: str, **links: str) -> tuple[str, dict[str, Any]]:
    return rec_id, {"work_date": day, "hours": "8", **links}


def test_corrections_and_voids_follow_the_entry_they_name() -> None:
    rows = [
        _hours("05", "2026-01-13", corrects="02"),      # the correction, made later
        _hours("01", "2026-01-13"),
        _hours("02", "2026-01-13"),
        _hours("03", "2026-01-14"),
        _hours("07", "2026-01-13", corrects="05"),      # a correction of the correction
        _hours("06", "2026-01-14", entered_in_error_of="03"),
        _hours("04", "2026-01-12"),
        _hours("08", "2026-01-15", corrects="01"),      # moved the shift to another day
    ]
    ids = [r for r, _ in in_entry_order(rows, lambda row: row)]
    assert ids == ["04", "01", "08", "02", "05", "07", "03", "06"]
    newest = [r for r, _ in in_entry_order(rows, lambda row: row, newest_day_first=True)]
    assert newest == ["03", "06", "01", "08", "02", "05", "07", "04"]


def test_an_entry_naming_one_not_here_or_a_loop_is_still_listed() -> None:
    """One naming an entry this list lacks goes by its own date; a loop (which
    ids made in order cannot form) neither hangs nor loses a row."""
    rows = [_hours("02", "2026-01-14", corrects="gone"), _hours("01", "2026-01-15"),
            _hours("03", "2026-01-13", corrects="04"), _hours("04", "2026-01-13",
                                                               corrects="03")]
    ids = [r for r, _ in in_entry_order(rows, lambda row: row)]
    assert set(ids[:2]) == {"03", "04"}
    assert ids[2:] == ["02", "01"]
