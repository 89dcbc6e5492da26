import json

import pytest
import sqlalchemy as sa
from terminal_helpers import MANAGER_PASSWORD, PASSWORD

from client.errors import InputError, InvalidCredentials, SlotDisabled, StoreUnreadable
from client.store.database import AUDIT
from client.store.keyslots import DISABLE_AFTER, SlotFile, check_password, throttle_delay
from client.terminal import list_users, unlock


@pytest.fixture
def home(session):
    path = session.home
    session.lock()
    return path


def test_right_password_unlocks(home, clock, sleeps):
    session = unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    assert session.user.username == "mrivera"
    assert session.user.role == "records_manager"
    session.lock()
    assert sleeps == []


def test_wrong_password_and_unknown_user_get_the_same_message(home, clock, sleeps):
    with pytest.raises(InvalidCredentials) as wrong:
        unlock(home, "mrivera", "not the password at all", clock=clock, sleep=sleeps)
    with pytest.raises(InvalidCredentials) as unknown:
        unlock(home, "nobody", "not the password at all", clock=clock, sleep=sleeps)
    assert wrong.value.message == unknown.value.message
    assert "mrivera" not in wrong.value.message


def test_growing_delay_after_three_failures(home, clock, sleeps):
    for _ in range(6):
        with pytest.raises(InvalidCredentials):
            unlock(home, "mrivera", "wrong password, sorry", clock=clock, sleep=sleeps)
    assert sleeps == [1.0, 2.0, 4.0]
    assert throttle_delay(2) == 0
    assert throttle_delay(40) == 30


def test_unknown_users_are_throttled_like_known_ones(home, clock, sleeps):
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            unlock(home, "ghost", "wrong password, sorry", clock=clock, sleep=sleeps)
    assert sleeps == [1.0, 2.0]


def test_slot_disabled_after_ten_failures_even_for_the_right_password(home, clock, sleeps):
    for attempt in range(1, DISABLE_AFTER + 1):
        expected = SlotDisabled if attempt == DISABLE_AFTER else InvalidCredentials
        with pytest.raises(expected):
            unlock(home, "mrivera", "wrong password, sorry", clock=clock, sleep=sleeps)
    with pytest.raises(SlotDisabled) as disabled:
        unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    assert "records manager" in disabled.value.message
    assert [u.disabled for u in list_users(home) if u.username == "mrivera"] == [True]


def test_a_locked_out_name_and_an_unknown_one_answer_alike(home, clock, sleeps):
    """security.md case 1: ten failures lock the known name out, and every
    answer on the way (error, sentence, throttle delay) is the one a name
    nobody has here gets; the lock-out and every attempt are still recorded,
    the unknown name nowhere."""
    answers: dict[str, list[tuple[type, str]]] = {}
    waits: dict[str, list[float]] = {}
    for name, right in (("mrivera", MANAGER_PASSWORD), ("ghost", "a right one for nobody")):
        answers[name], sleeps[:] = [], []
        for attempt in range(DISABLE_AFTER + 2):
            password = right if attempt > DISABLE_AFTER else f"wrong password number {attempt}"
            with pytest.raises(InvalidCredentials) as refused:
                unlock(home, name, password, clock=clock, sleep=sleeps)
            answers[name].append((type(refused.value), refused.value.message))
        waits[name] = list(sleeps)
    assert answers["mrivera"] == answers["ghost"]
    assert answers["mrivera"][DISABLE_AFTER - 2][0] is InvalidCredentials
    assert {kind for kind, _ in answers["mrivera"][DISABLE_AFTER - 1:]} == {SlotDisabled}
    assert len({message for _, message in answers["mrivera"]}) == 1
    assert waits["mrivera"] == waits["ghost"] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert [u.disabled for u in list_users(home) if u.username == "mrivera"] == [True]
    slots = json.loads((home / "slots.json").read_text())
    attempts = slots["failed_attempts"]
    assert len(attempts) == 2 * (DISABLE_AFTER + 2)
    assert len({a["slot_id"] for a in attempts[:DISABLE_AFTER + 2]}) == 1
    assert {a["slot_id"] for a in attempts[DISABLE_AFTER + 2:]} == {None}
    assert "ghost" not in (home / "slots.json").read_text()


def test_success_resets_the_counter(home, clock, sleeps):
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            unlock(home, "mrivera", "wrong password, sorry", clock=clock, sleep=sleeps)
    unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps).lock()
    with pytest.raises(InvalidCredentials):
        unlock(home, "mrivera", "wrong password, sorry", clock=clock, sleep=sleeps)
    assert sleeps == [1.0]  # the 4th attempt waited once; after success no delay


def test_failed_attempts_reach_the_encrypted_audit_at_next_unlock(home, clock, sleeps):
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            unlock(home, "mrivera", "wrong password, sorry", clock=clock, sleep=sleeps)
    with pytest.raises(InvalidCredentials):
        unlock(home, "somebody", "wrong password, sorry", clock=clock, sleep=sleeps)
    assert len(json.loads((home / "slots.json").read_text())["failed_attempts"]) == 3
    session = unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    with session.store.read() as conn:
        events = [r.event for r in conn.execute(sa.select(AUDIT).order_by(AUDIT.c.id))]
    session.lock()
    assert events.count("unlock_failed") == 3
    assert json.loads((home / "slots.json").read_text())["failed_attempts"] == []
    assert "somebody" not in (home / "slots.json").read_text()


def test_change_password_rewraps_only_that_slot(session, server, clock, sleeps):
    session.sync()  # learn the facility's users
    session.users.add("jchen", PASSWORD)
    home = session.home
    before = {s["username"]: s for s in json.loads((home / "slots.json").read_text())["slots"]}
    store_bytes = (home / "store.db").read_bytes()
    new = "a completely different sentence"
    session.users.change_password(MANAGER_PASSWORD, new)
    session.lock()
    after = {s["username"]: s for s in json.loads((home / "slots.json").read_text())["slots"]}
    assert after["jchen"] == before["jchen"]
    assert after["mrivera"]["wrapped"] != before["mrivera"]["wrapped"]
    assert after["mrivera"]["kdf"]["salt"] != before["mrivera"]["kdf"]["salt"]
    with pytest.raises(InvalidCredentials):
        unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    unlock(home, "mrivera", new, clock=clock, sleep=sleeps).lock()
    unlock(home, "jchen", PASSWORD, clock=clock, sleep=sleeps).lock()
    # the data file itself was never re-encrypted: SQLCipher's salt is unchanged
    assert _header(home / "store.db") == store_bytes[:16]


def _header(path):
    return path.read_bytes()[:16]


def test_slot_stores_its_argon2id_parameters(home):
    slot = json.loads((home / "slots.json").read_text())["slots"][0]
    assert slot["kdf"] | {"salt": None} == {"alg": "argon2id", "salt": None,
                                            "memory_cost": 65536, "iterations": 3, "lanes": 4}
    assert MANAGER_PASSWORD not in (home / "slots.json").read_text()


def test_slot_moved_to_another_user_does_not_open(home, clock, sleeps):
    slots = SlotFile.load(home / "slots.json")
    slots.slots[0].user_id = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
    slots.save()
    with pytest.raises(InvalidCredentials):
        unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)


def test_clerk_cannot_add_users(session, make_terminal):
    session.sync()
    from client.errors import NotPermitted

    clerk = make_terminal("jchen", PASSWORD)
    with pytest.raises(NotPermitted):
        clerk.users.add("mrivera", "some long enough password")
    clerk.lock()


@pytest.mark.parametrize("weak", ["Password123!", "short", "maple grove care center",
                                  "aaaaaaaaaaaaaaaaaaaa", "mrivera-is-my-password"])
def test_weak_passwords_are_refused_with_guidance(weak):
    with pytest.raises(InputError) as error:
        check_password(weak, username="mrivera", facility_name="Maple Grove Care Center")
    assert error.value.field == "password"


@pytest.mark.parametrize("strong", ["x" * 40 + "yz1!", "the quiet ward at dawn, tea.",
                                    "🐢 slow and steady wins 🐢", "p" * 100 + "q r s t"])
def test_long_passwords_with_spaces_and_emoji_are_accepted(strong):
    check_password(strong, username="mrivera", facility_name="Maple Grove Care Center")


class _Counted:
    """Records each Argon2id derivation (its cost parameters) and each AES-GCM
    unwrap a sign-in does, calling the real ones."""

    def __init__(self, monkeypatch):
        from client.store import keyslots

        self.derived: list[tuple[int, int, int]] = []
        self.unwrapped: list[int] = []
        derive, aesgcm = keyslots.KdfParams.derive, keyslots.AESGCM
        counted = self

        def counting_derive(params, password):
            counted.derived.append((params.memory_cost, params.iterations, params.lanes))
            return derive(params, password)

        class CountingAESGCM:
            def __init__(self, key):
                self.real = aesgcm(key)

            def encrypt(self, nonce, data, associated_data):
                return self.real.encrypt(nonce, data, associated_data)

            def decrypt(self, nonce, data, associated_data):
                counted.unwrapped.append(len(data))
                return self.real.decrypt(nonce, data, associated_data)

        monkeypatch.setattr(keyslots.KdfParams, "derive", counting_derive)
        monkeypatch.setattr(keyslots, "AESGCM", CountingAESGCM)

    def take(self):
        taken = (self.derived, self.unwrapped)
        self.derived, self.unwrapped = [], []
        return taken


def test_an_unknown_user_costs_the_same_work_as_a_wrong_password(tmp_path, monkeypatch):
    """security.md case 1: no user enumeration by timing. Counted, not timed: an
    unknown name runs one Argon2id derivation with the same parameters as the
    slot a known name opens (here lowered from the defaults, as a slot's
    parameters may be raised or lowered), and one unwrap of as many bytes."""
    from client.store.keyslots import KdfParams

    slots = SlotFile(tmp_path / "slots.json", "terminal-1")
    lowered = KdfParams(salt=bytes(16), memory_cost=8192, iterations=2, lanes=1)
    slots.add("user-1", "dana", "clerk", "a long walk by the quiet lake", bytes(32), kdf=lowered)
    slots.save()
    counted = _Counted(monkeypatch)
    attempts = {}
    for name in ("dana", "nobody"):
        with pytest.raises(InvalidCredentials):
            slots.unlock(name, "not the password at all", now_ms=0, sleep=lambda _s: None)
        attempts[name] = counted.take()
    assert attempts["dana"] == attempts["nobody"] == ([(8192, 2, 1)], [48])
    assert [a["slot_id"] is None for a in slots.failed_attempts] == [False, True]


def test_with_no_slot_an_unknown_user_costs_the_default_derivation(tmp_path, monkeypatch):
    from client.store.keyslots import KdfParams

    slots = SlotFile(tmp_path / "slots.json", "terminal-1")
    counted = _Counted(monkeypatch)
    with pytest.raises(InvalidCredentials):
        slots.unlock("nobody", "not the password at all", now_ms=0, sleep=lambda _s: None)
    defaults = KdfParams(salt=b"")
    assert counted.take() == ([(defaults.memory_cost, defaults.iterations, defaults.lanes)],
                              [48])


@pytest.mark.parametrize("edit", [
    {"memory_cost": 2**40}, {"memory_cost": 8}, {"memory_cost": -5}, {"iterations": 0},
    {"iterations": 10**9}, {"lanes": 0}, {"salt": ""}, {"memory_cost": "lots"},
    {"nonce": ""}, {"username": 7}, {"wrapped": "!!not base64!!"},
    {"failed_attempts": [1]}, {"failed_attempts": [{"at": "noon"}]},
    {"failed_attempts": [{"at": 5, "user_id": 7}]},
])
def test_an_edited_sign_in_file_is_damaged_not_a_crash_or_a_hang(home, clock, sleeps, edit):
    """A tampered slots.json (parameters no slot was written with, a nonce of
    another length, a name that is not text, a list of failed attempts that
    the audit could not take) says the sign-in file is damaged,
    as a file cut short does, before any derivation: never Argon2id's own
    ValueError or OverflowError, never a sign-in that hangs on a huge count."""
    path = home / "slots.json"
    data = json.loads(path.read_text())
    slot = data["slots"][0]
    for key, value in edit.items():
        kdf = key in ("memory_cost", "iterations", "lanes", "salt")
        (slot["kdf"] if kdf else data if key == "failed_attempts" else slot)[key] = value
    path.write_text(json.dumps(data))
    with pytest.raises(StoreUnreadable) as damaged:
        unlock(home, "mrivera", MANAGER_PASSWORD, clock=clock, sleep=sleeps)
    assert "sign-in file cannot be read" in damaged.value.message
    assert sleeps == []


def test_a_locked_out_slot_costs_the_same_work_as_a_wrong_password(tmp_path, monkeypatch):
    """security.md case 1, the lock-out: a disabled slot still runs its one
    derivation and one unwrap before refusing, so its answer comes no sooner
    than a wrong passphrase's or an unknown name's (counted, not timed)."""
    from client.store.keyslots import KdfParams

    slots = SlotFile(tmp_path / "slots.json", "terminal-1")
    lowered = KdfParams(salt=bytes(16), memory_cost=8192, iterations=2, lanes=1)
    slots.add("user-1", "dana", "clerk", "a long walk by the quiet lake", bytes(32), kdf=lowered)
    slots.slots[0].failures, slots.slots[0].disabled = DISABLE_AFTER, True
    slots.save()
    counted = _Counted(monkeypatch)
    with pytest.raises(SlotDisabled):
        slots.unlock("dana", "a long walk by the quiet lake", now_ms=0, sleep=lambda _s: None)
    assert counted.take() == ([(8192, 2, 1)], [48])
