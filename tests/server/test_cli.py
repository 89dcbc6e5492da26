"""``chartkeep-server``: administrative commands in-process, ``serve`` as a subprocess."""

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from server.admin.cli import main
from server.storage.models import T


def run(capsys, *args, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_admin_commands_end_to_end(server_db_url, capsys, monkeypatch, h, tmp_path):
    db = ["--database-url", server_db_url, "--data-dir", str(tmp_path)]
    assert run(capsys, *db, "init")[0] == 0
    code, facility, _ = run(capsys, *db, "create-facility", "--name", "Maple Grove",
                            "--state", "oh", "--mrn-prefix", "MG")
    assert code == 0 and len(facility) == 26
    code, unit, _ = run(capsys, *db, "create-unit", "--facility", facility, "--name", "East")
    assert code == 0
    assert run(capsys, *db, "create-bed", "--unit", unit, "--label", "E1")[0] == 0
    code, _, err = run(capsys, *db, "create-user", "--facility", facility, "--username", "ann",
                       "--role", "clerk", "--password-stdin", stdin="Password123!\n",
                       monkeypatch=monkeypatch)
    assert code == 2 and "15" in err
    code, _, err = run(capsys, *db, "create-user", "--facility", facility, "--username", "ann",
                       "--role", "clerk", "--password-stdin",
                       stdin="maple grove maple grove\n", monkeypatch=monkeypatch)
    assert code == 2 and "facility name" in err
    code, user, _ = run(capsys, *db, "create-user", "--facility", facility, "--username", "ann",
                        "--role", "clerk", "--password-stdin",
                        stdin="the heron waits by the cold river 🐦\n", monkeypatch=monkeypatch)
    assert code == 0
    code, code_text, _ = run(capsys, *db, "issue-code", "--facility", facility,
                             "--ttl-hours", "2")
    assert code == 0 and len(code_text) == 14
    assert run(capsys, *db, "list-terminals")[:2] == (0, "")
    assert run(capsys, *db, "deactivate-user", "--username", "ann")[0] == 0
    assert run(capsys, *db, "verify-audit")[:2] == (0, "audit log intact")
    code, _, err = run(capsys, *db, "create-unit", "--facility", "nope", "--name", "X")
    assert code == 2 and "no facility" in err
    code, _, err = run(capsys, *db, "review-held", "--terminal", "T", "--seq", "1",
                       "--decision", "apply")
    assert code == 2 and "no terminal" in err
    engine = sa.create_engine(server_db_url)
    try:
        with engine.begin() as conn:
            stored = conn.execute(sa.select(T.users.c.password_hash).where(
                T.users.c.id == user)).scalar_one()
            assert stored.startswith("$argon2id$") and "m=65536,t=3" in stored
            h.drop_append_only(conn)
            conn.execute(sa.update(T.audit).where(T.audit.c.seq == 2).values(at=0))
    finally:
        engine.dispose()
    code, _, err = run(capsys, *db, "verify-audit")
    assert code == 1 and "entry 2" in err


def test_checkpoints_kept_outside_expose_a_cut_tail(server_db_url, capsys, tmp_path, h):
    """An auditor saves checkpoints with `checkpoint --out`; after a database owner
    cuts the tail, moves the head back and removes the stored checkpoints,
    `verify-audit` alone passes and `verify-audit --against` names the cut."""
    import json

    from server.storage.merkle_models import L

    db = ["--database-url", server_db_url, "--data-dir", str(tmp_path)]
    assert run(capsys, *db, "init")[0] == 0
    code, facility, _ = run(capsys, *db, "create-facility", "--name", "Maple Grove",
                            "--state", "OH", "--mrn-prefix", "MG")
    for n in range(4):
        assert run(capsys, *db, "create-unit", "--facility", facility, "--name", f"U{n}")[0] == 0
    saved = tmp_path / "held.json"
    code, out, _ = run(capsys, *db, "checkpoint", "--out", str(saved))
    assert code == 0
    held = {c["origin"]: c for c in json.loads(saved.read_text())}
    assert held[f"chartkeep/audit/{facility}"]["size"] == 5
    assert f'"chartkeep/audit/{facility}"' in out
    engine = sa.create_engine(server_db_url)
    try:
        with engine.begin() as conn:
            h.drop_append_only(conn)
            kept = conn.execute(sa.select(T.audit).where(T.audit.c.chain == facility,
                                                         T.audit.c.seq == 3)).one()
            conn.execute(sa.delete(T.audit).where(T.audit.c.chain == facility,
                                                  T.audit.c.seq > 3))
            node_end = (L.nodes.c.idx + 1).op("<<")(L.nodes.c.level)
            conn.execute(sa.delete(L.nodes).where(L.nodes.c.chain == facility, node_end > 3))
            conn.execute(sa.delete(L.checkpoints))
            conn.execute(sa.update(T.heads).where(T.heads.c.facility_id == facility)
                         .values(audit_seq=3, audit_head=kept.hash))
    finally:
        engine.dispose()
    assert run(capsys, *db, "verify-audit")[:2] == (0, "audit log intact")
    code, _, err = run(capsys, *db, "verify-audit", "--against", str(saved))
    assert code == 1 and "entry 4" in err and "were cut" in err
    code, _, err = run(capsys, *db, "verify-audit", "--against", str(tmp_path / "none.json"))
    assert code == 2 and "holds no checkpoints" in err


def test_uninitialised_database_gives_a_clear_error(tmp_path, capsys):
    code, _, err = run(capsys, "--database-url", f"sqlite:///{tmp_path / 'x.db'}",
                       "create-facility", "--name", "A", "--state", "OH", "--mrn-prefix", "A")
    assert code == 2 and "init" in err


def test_the_server_key_is_sealed_outside_the_database(tmp_path, capsys, monkeypatch):
    db = ["--database-url", f"sqlite:///{tmp_path / 'k.db'}", "--data-dir", str(tmp_path)]
    monkeypatch.delenv("CHARTKEEP_SERVER_KEY_PASSPHRASE")
    code, _, err = run(capsys, *db, "init")
    assert code == 2 and "CHARTKEEP_SERVER_KEY_PASSPHRASE" in err
    monkeypatch.setenv("CHARTKEEP_SERVER_KEY_PASSPHRASE", "the right one")
    code, out, _ = run(capsys, *db, "init")
    assert code == 0
    public = out.rsplit(" ", 1)[1]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.connect() as conn:
        row = conn.execute(sa.select(T.server_keys)).one()
    engine.dispose()
    assert bytes(row.private_key) == b"" and bytes(row.public_key).hex() == public
    sealed = (tmp_path / "server-key.json").read_text()
    assert public in sealed and oct((tmp_path / "server-key.json").stat().st_mode)[-3:] == "600"
    monkeypatch.setenv("CHARTKEEP_SERVER_KEY_PASSPHRASE", "the wrong one")
    code, _, err = run(capsys, *db, "init")
    assert code == 2 and "passphrase does not open" in err


def test_a_key_kept_in_the_database_is_moved_into_the_key_file(tmp_path, capsys):
    """A database from before the key file: ``init`` seals its key and empties the column."""
    from protocol.signing import new_private_key, private_bytes, public_bytes
    from server.settings import Settings
    from server.storage.db import read_tx
    from server.storage.keys import load_server_key

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = ["--database-url", url, "--data-dir", str(tmp_path)]
    assert run(capsys, *db, "init")[0] == 0
    (tmp_path / "server-key.json").unlink()
    old = new_private_key()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(T.server_keys).values(private_key=private_bytes(old),
                                                     public_key=public_bytes(old)))
    assert run(capsys, *db, "init")[0] == 0
    with engine.connect() as conn:
        assert bytes(conn.execute(sa.select(T.server_keys.c.private_key)).scalar_one()) == b""
    with read_tx(engine) as conn:
        moved = load_server_key(conn, Settings(database_url=url, data_dir=tmp_path))
    engine.dispose()
    assert public_bytes(moved) == public_bytes(old)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_runs_as_a_subprocess_and_stops_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTKEEP_SERVER")}
    (tmp_path / "passphrase").write_text("a passphrase from a mounted secret\n")
    env["CHARTKEEP_SERVER_KEY_PASSPHRASE_FILE"] = str(tmp_path / "passphrase")
    env["CHARTKEEP_SERVER_DATA"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "server", "--database-url", url, "init"],
                   check=True, env=env, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server", "--database-url", url, "serve",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health")
                assert connection.getresponse().status == 200
                connection.close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_portal_accounts_from_the_command_line(server_db_url, capsys, monkeypatch, tmp_path):
    """create-admin / create-manager print the password and TOTP secret once;
    the secret gives codes the portal accepts."""
    import re

    from server.portal import accounts
    from server.settings import Settings
    from server.storage.db import make_engine

    db = ["--database-url", server_db_url, "--data-dir", str(tmp_path)]
    assert run(capsys, *db, "init")[0] == 0
    _, facility, _ = run(capsys, *db, "create-facility", "--name", "Maple Grove",
                         "--state", "OH", "--mrn-prefix", "MG")
    code, out, _ = run(capsys, *db, "create-manager", "--username", "rm", "--facilities",
                       facility)
    assert code == 0
    password = re.search(r"password: (\S+)", out).group(1)
    secret = re.search(r"TOTP secret: ([A-Z2-7]+)", out).group(1)
    assert "otpauth://totp/Chartkeep:rm?secret=" + secret in out
    code, out, _ = run(capsys, *db, "create-admin", "--username", "ops", "--password-stdin",
                       stdin="the cold river runs under the bridge\n", monkeypatch=monkeypatch)
    assert code == 0 and "password:" not in out and "TOTP secret:" in out
    code, _, err = run(capsys, *db, "create-manager", "--username", "rm2", "--facilities",
                       "nope")
    assert code == 2 and "no facility" in err
    engine = make_engine(server_db_url)
    try:
        settings = Settings(database_url=server_db_url, data_dir=tmp_path)
        passed = accounts.password_step(engine, settings, username="rm", password=password,
                                        source="test")
        principal, _ = accounts.code_step(engine, settings, account_id=passed.account_id,
                                          code=accounts.totp_code(secret, settings.clock()),
                                          source="test")
        assert principal.facilities == frozenset({facility})
    finally:
        engine.dispose()


def test_restore_declares_a_new_log_generation(server_db_url, capsys, tmp_path):
    from server.storage.continuity_models import C

    db = ["--database-url", server_db_url, "--data-dir", str(tmp_path)]
    assert run(capsys, *db, "init")[0] == 0
    code, out, _ = run(capsys, *db, "restore", "--note", "from Sunday's backup")
    assert code == 0 and "log generation" in out
    engine = sa.create_engine(server_db_url)
    try:
        with engine.connect() as conn:
            reasons = conn.execute(sa.select(C.generations.c.reason).order_by(
                C.generations.c.started_at)).scalars().all()
            audited = conn.execute(sa.select(T.audit.c.detail).where(
                T.audit.c.action == "server:restored")).scalars().all()
    finally:
        engine.dispose()
    assert reasons == ["init", "restore"]
    assert any("Sunday" in str(detail) for detail in audited)
