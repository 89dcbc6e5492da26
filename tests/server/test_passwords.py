import pytest

from server.core.passwords import (
    PasswordRejected,
    check_password,
    hash_password,
    verify_password,
)


@pytest.mark.parametrize("password", [
    "Password123!", "short", "passwordpassword1", "aaaaaaaaaaaaaaaaaaa",
    "abcdefghijklmnopqrs", "Maple Grove Manor 1", "ann.smith-ann.smith",
    # From breach corpuses, alone or two run together (zxcvbn's 30,000).
    "qwertyuiop12345", "sunshinedragon12", "baseball football", "iloveyouiloveyou",
])
def test_weak_passwords_are_rejected_with_guidance(password):
    with pytest.raises(PasswordRejected) as info:
        check_password(password, ["Maple Grove Manor", "ann.smith"])
    assert info.value.guidance


def test_fourteen_characters_are_one_too_few():
    """security.md case 5: 14 characters is rejected, with the reason and a hint."""
    with pytest.raises(PasswordRejected) as info:
        check_password("quiet heron 14", [])
    assert len("quiet heron 14") == 14
    assert "at least 15 characters" in info.value.guidance
    assert check_password("quiet heron 015", []) == "quiet heron 015"


@pytest.mark.parametrize("password", [
    "correct staple under the blue lamp", "x" * 64 + " and more", "🐦 the heron waits 🌊🌊",
    "spaces   are    fine here",
    # Ordinary words followed by digits are not common passwords: an automated rewrite
    # once put the words of a comment ("a", "list", "text"…) on the blocklist.
    "text 4090 1234 5678", "a 20240601 77312",
])
def test_long_passphrases_are_accepted(password):
    assert check_password(password, ["Maple Grove Manor", "ann"]) == password


def test_hash_round_trip_keeps_parameters():
    encoded = hash_password("the heron waits by the river")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password("the heron waits by the river", encoded)
    assert not verify_password("the heron waits by the rivers", encoded)


def test_a_regional_managers_password_may_not_be_made_of_a_facility_in_the_region(
        engine, settings, world):
    """security.md case 5: the facility name is a context word, for the portal's
    accounts too (a regional manager's facilities are those of the region)."""
    from server.portal import accounts
    from server.portal.errors import InputInvalid

    with pytest.raises(InputInvalid) as refused:
        accounts.create_account(engine, settings, username="morgan", role="regional_manager",
                                password="Maple Grove Oak Hill!", facilities=[world.a.id,
                                                                              world.b.id])
    assert refused.value.field == "password" and "facility name" in refused.value.detail
    made = accounts.create_account(engine, settings, username="morgan",
                                   role="regional_manager",
                                   password="the quiet heron by the lake",
                                   facilities=[world.a.id])
    assert made.id
