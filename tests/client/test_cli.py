import io
import json

import pytest
from terminal_helpers import MANAGER_PASSWORD, resident_fields

from client import cli


def _run(monkeypatch, capsys, args, password=MANAGER_PASSWORD):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    code = cli.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def home(session, server, monkeypatch):
    """An enrolled terminal with one rejected and one pending operation; the CLI
    talks to the fake server through the transport the session was made with."""
    bed = server.add_bed(server.facility_id, "North", "N-1")
    session.sync()
    server.put("resident", "01HZZZZZZZZZZZZZZZZZZZZZZZ", server.facility_id,
               {**resident_fields(given_name="Other"), "mrn": "MG9", "_census": "in_house"})
    server.records[bed].state.data["_resident_id"] = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
    rid = session.residents.register(resident_fields())
    session.stays.admit(rid, admitted_at="2026-01-15", bed_id=bed)
    path = session.home
    session.lock()
    # The session wrote on a test clock in January; the CLI runs on the system
    # clock, months later: keep answered changes longer than that gap, or the
    # applied one would be forgotten as past its retention window.
    settings_file = path / "terminal.json"
    settings_file.write_text(json.dumps({**json.loads(settings_file.read_text()),
                                         "answered_retention_days": 36_500}))
    real_unlock = cli.unlock
    monkeypatch.setattr(cli, "unlock", lambda *a, **k: real_unlock(*a, transport=server,
                                                                   sleep=lambda _s: None, **k))
    return path


def test_status_lists_counts_and_rejections(home, monkeypatch, capsys):
    code, out, _ = _run(monkeypatch, capsys, ["--home", str(home), "sync", "--user", "mrivera",
                                              "--password-stdin"])
    assert code == 0
    assert "applied 1" in out and "rejected 1" in out
    code, out, _ = _run(monkeypatch, capsys, ["--home", str(home), "status", "--user",
                                              "mrivera", "--password-stdin"])
    assert code == 0
    assert "pending 0  applied 1" in out
    assert "rejected #2 Admit Okafor, Adaeze: bed_occupied" in out


def test_wrong_password_is_one_line_no_traceback(home, monkeypatch, capsys):
    code, out, err = _run(monkeypatch, capsys, ["--home", str(home), "status", "--user",
                                                "mrivera", "--password-stdin"],
                          password="not the right password")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "chartkeep: The user name or passphrase is not correct.")
    assert "Traceback" not in err + out


def test_damaged_store_says_so(home, monkeypatch, capsys):
    store = home / "store.db"
    store.write_bytes(store.read_bytes()[:5000])
    code, _, err = _run(monkeypatch, capsys, ["--home", str(home), "sync", "--user", "mrivera",
                                              "--password-stdin"])
    assert code == 1
    assert "cannot be opened" in err and "Traceback" not in err


def test_not_enrolled(tmp_path, monkeypatch, capsys):
    code, _, err = _run(monkeypatch, capsys, ["--home", str(tmp_path / "none"), "status",
                                              "--user", "x", "--password-stdin"])
    assert code == 1
    assert "not enrolled" in err


def test_enroll_refuses_plain_http_to_another_machine(tmp_path, monkeypatch, capsys):
    code, _, err = _run(monkeypatch, capsys, ["--home", str(tmp_path / "t"), "enroll",
                                              "--server", "http://records.example.org",
                                              "--code", "ABCD", "--user", "mrivera",
                                              "--password-stdin"])
    assert code == 2
    assert "https" in err


def test_enroll_with_a_bad_code_fails_cleanly(tmp_path, monkeypatch, capsys):
    code, _, err = _run(monkeypatch, capsys, ["--home", str(tmp_path / "t"), "enroll",
                                              "--server", "http://127.0.0.1:9", "--code",
                                              "ABCD", "--user", "mrivera", "--password-stdin"])
    assert code == 1
    assert "could not be reached" in err
    assert not (tmp_path / "t" / "terminal.json").exists()
