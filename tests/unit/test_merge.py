"""Merge rules (protocol.merge): the outcomes docs/sync-scenarios.md asks for, as
pure functions both the server and the terminal use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.merge import (
    SET_BY,
    VOIDED,
    Author,
    FieldOutcome,
    apply_update,
    new_record,
    note_order_key,
    predicted_version,
    resolve_conflict,
    void,
)
from protocol.ops import FieldChange, OpStatus, Reason
from protocol.records import RecordKind

R = RecordKind.RESIDENT
A = Author("op-a", "user-a", "term-a", 1)
B = Author("op-b", "user-b", "term-b", 2)


def resident() -> object:
    return new_record({"family_name": "Okafor", "given_name": "Ada", "phone": "555-0100",
                       "address": "1 Elm St", "birth_date": "1941-03-02", "sex": "female"})


def test_change_on_current_version_applies() -> None:
    out = apply_update(R, resident(), {"phone": FieldChange("555-0199", 1)}, A)
    assert out.status is OpStatus.APPLIED
    assert out.state.data["phone"] == "555-0199"
    assert out.state.versions["phone"] == 2


def test_a_conflict_names_who_set_the_value_it_holds() -> None:
    first = apply_update(R, resident(), {"phone": FieldChange("555-0001", 1)}, A)
    second = apply_update(R, first.state, {"phone": FieldChange("555-0002", 1)}, B)
    held, proposed = second.state.conflicts["phone"]["values"]
    assert (held["value"], held["user"], held["terminal"]) == ("555-0001", "user-a", "term-a")
    assert (proposed["user"], proposed["terminal"]) == ("user-b", "term-b")
    # The value a field was created with has no setter to name: the entry says so by
    # having no user, and the next setter is noted.
    third = apply_update(R, resident(), {"address": FieldChange("2 Oak", 0)}, B)
    assert third.state.conflicts["address"]["values"][0].get("user") is None
    assert third.state.data[SET_BY]["address"]["user"] == "user-b"


def test_scenario_1_concurrent_different_values_conflict_keeping_both() -> None:
    first = apply_update(R, resident(), {"phone": FieldChange("555-0001", 1)}, A)
    second = apply_update(R, first.state, {"phone": FieldChange("555-0002", 1)}, B)
    assert second.status is OpStatus.CONFLICT
    assert second.reason == Reason.FIELD_CONFLICT
    values = [v["value"] for v in second.state.conflicts["phone"]["values"]]
    assert values == ["555-0001", "555-0002"]
    # Ordinary fields show the later change by server order; both stay on record.
    assert second.state.data["phone"] == "555-0002"


def test_scenario_2_same_value_is_no_conflict() -> None:
    first = apply_update(R, resident(), {"phone": FieldChange("555-0001", 1)}, A)
    second = apply_update(R, first.state, {"phone": FieldChange("555-0001", 1)}, B)
    assert second.status is OpStatus.APPLIED
    assert second.fields["phone"] is FieldOutcome.UNCHANGED
    assert not second.state.conflicts


def test_scenario_3_different_fields_both_apply() -> None:
    first = apply_update(R, resident(), {"phone": FieldChange("555-0001", 1)}, A)
    second = apply_update(R, first.state, {"address": FieldChange("9 Oak Ave", 1)}, B)
    assert second.status is OpStatus.APPLIED
    assert second.state.data["phone"] == "555-0001"
    assert second.state.data["address"] == "9 Oak Ave"


@pytest.mark.parametrize(("name", "a", "b"), [
    ("family_name", "Okafor-Diallo", "Diallo"),
    ("given_name", "Adaeze", "Ada"),
    ("birth_date", "1941-03-12", "1941-02-03"),
    ("sex", "unknown", "male"),
])
def test_identity_fields_never_resolve_automatically(name: str, a: str, b: str) -> None:
    """Legal name, date of birth and sex: two different concurrent values are a
    conflict, never a last-writer-wins (sync-semantics: identity fields)."""
    first = apply_update(R, resident(), {name: FieldChange(a, 1)}, A)
    second = apply_update(R, first.state, {name: FieldChange(b, 1)}, B)
    assert second.status is OpStatus.CONFLICT
    assert second.state.data[name] == a
    assert [v["value"] for v in second.state.conflicts[name]["values"]] == [a, b]


def test_scenario_7_void_then_edit_is_kept_as_conflict_without_resurrection() -> None:
    voided = void(resident())
    out = apply_update(R, voided, {"phone": FieldChange("555-0003", 1)}, A)
    assert out.status is OpStatus.CONFLICT
    assert out.reason == Reason.RECORD_VOIDED
    assert out.state.status == VOIDED
    assert out.state.data["phone"] == "555-0100"
    assert out.state.conflicts["phone"]["values"][-1]["value"] == "555-0003"


def test_resolving_is_a_change_and_closes_the_conflict() -> None:
    first = apply_update(R, resident(), {"phone": FieldChange("555-0001", 1)}, A)
    second = apply_update(R, first.state, {"phone": FieldChange("555-0002", 1)}, B)
    resolved = resolve_conflict(second.state, "phone", "555-0001")
    assert resolved.status is OpStatus.APPLIED
    assert resolved.state.data["phone"] == "555-0001"
    assert resolved.state.versions["phone"] == second.state.versions["phone"] + 1
    assert "phone" not in resolved.state.conflicts
    again = resolve_conflict(resolved.state, "phone", "555-0002")
    assert again.status is OpStatus.REJECTED
    assert again.reason == Reason.NO_CONFLICT


def test_scenario_32_ten_rapid_edits_on_one_terminal_apply_in_order() -> None:
    state = resident()
    server_version = 1
    for i in range(10):
        base = predicted_version(server_version, i)
        out = apply_update(R, state, {"phone": FieldChange(f"555-01{i:02d}", base)}, A)
        assert out.status is OpStatus.APPLIED
        state = out.state
    assert state.data["phone"] == "555-0109"
    assert not state.conflicts


def test_note_order_clinical_time_then_server_sequence() -> None:
    keys = [note_order_key("2026-11-02T08:00", 7), note_order_key("2026-11-01T09:00", 9),
            note_order_key("2026-11-02T08:00", None), note_order_key("2026-11-02T08:00", 3)]
    assert sorted(keys) == [keys[1], keys[3], keys[0], keys[2]]


@given(st.lists(st.tuples(st.sampled_from(["phone", "address", "given_name"]),
                          st.text(min_size=1, max_size=5), st.integers(0, 6)), max_size=20))
def test_every_update_outcome_is_applied_or_conflict_and_versions_grow(
        changes: list[tuple[str, str, int]]) -> None:
    state = resident()
    for name, value, base in changes:
        before = state.versions.get(name, 0)
        out = apply_update(R, state, {name: FieldChange(value, base)}, A)
        assert out.status in {OpStatus.APPLIED, OpStatus.CONFLICT}
        assert out.state.versions.get(name, 0) >= before
        if out.status is OpStatus.CONFLICT:
            assert name in out.state.conflicts
        state = out.state
