"""A report bundle made before someone with the database rewrites the audit
log: ``chartkeep-verify BUNDLE --statement …`` (the command line, offline) and
``verify-audit`` against the bundle's checkpoint both refuse the log afterwards —
whether an entry was rewritten with every later hash, node and the head
recomputed, or the tail was cut, the head moved back and the log grown again."""

from __future__ import annotations

import json
import zipfile

import pytest
import sqlalchemy as sa

from protocol.audit_log import checkpoint_from_json
from server import admin
from server.storage.merkle_models import L
from verifier.cli import main as chartkeep_verify

pytestmark = pytest.mark.usefixtures("world")
FIELDS = ("chain", "at", "actor", "terminal_id", "facility_id", "action", "target", "outcome",
          "purpose", "detail")


@pytest.fixture
async def held(visitor, manager, world, tmp_path):
    """A census bundle the manager downloaded, saved as a file, and its checkpoint."""
    await visitor.sign_in(manager)
    response = await visitor.response(
        "GET", f"/portal/facilities/{world.a.id}/reports/census.zip?from=2026-09-01"
        "&to=2026-09-14")
    assert response.status == 200
    path = tmp_path / "census.zip"
    path.write_bytes(response._body)
    assert chartkeep_verify([str(path)]) == 0
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    return path, checkpoint_from_json(manifest["checkpoint"])


async def statement_file(visitor, world, size, tmp_path):
    status, statement = await visitor.json(
        f"/portal/facilities/{world.a.id}/audit/consistency.json?from={size}")
    assert status == 200, statement
    path = tmp_path / "statement.json"
    path.write_text(json.dumps(statement))
    return path


def forget_stored_checkpoints(engine, h, chain):
    """So only the checkpoint held outside (the bundle's) can tell."""
    with engine.begin() as conn:
        h.drop_append_only(conn)
        conn.execute(sa.delete(L.checkpoints).where(L.checkpoints.c.chain == chain))


async def test_the_statement_verifies_while_the_log_is_untouched(visitor, held, world, tmp_path,
                                                                 capsys):
    path, checkpoint = held
    statement = await statement_file(visitor, world, checkpoint.size, tmp_path)
    assert chartkeep_verify([str(path), "--statement", str(statement)]) == 0
    assert "extends the bundle's checkpoint" in capsys.readouterr().out


async def test_a_rewritten_download_with_every_hash_recomputed_is_detected(
        visitor, held, world, engine, tmp_path, capsys, h):
    path, checkpoint = held
    log = h.audit_rows(engine, chain=world.a.id)
    produce = next(a for a in log if a.action == "report:produce")
    forged = [{k: getattr(a, k) for k in FIELDS} for a in log if a.seq >= produce.seq]
    forged[1]["actor"] = "portal:someone_else"  # who took the report
    h.rewrite_audit(engine, world.a.id, keep=produce.seq - 1, new_tail=forged)
    forget_stored_checkpoints(engine, h, world.a.id)
    assert admin.verify_audit(engine) is None  # the chain alone looks whole
    problem = admin.verify_audit(engine, held=[checkpoint])
    assert problem is not None and problem.chain == world.a.id
    statement = await statement_file(visitor, world, checkpoint.size, tmp_path)
    capsys.readouterr()
    assert chartkeep_verify([str(path), "--statement", str(statement)]) == 1
    assert "rewritten or cut" in capsys.readouterr().err


async def test_a_cut_tail_with_the_head_moved_back_is_detected(
        visitor, held, world, engine, tmp_path, capsys, h, terminal):
    path, checkpoint = held
    log = h.audit_rows(engine, chain=world.a.id)
    produce = next(a for a in log if a.action == "report:produce")
    h.rewrite_audit(engine, world.a.id, keep=produce.seq - 1, new_tail=[])
    forget_stored_checkpoints(engine, h, world.a.id)
    assert admin.verify_audit(engine) is None
    problem = admin.verify_audit(engine, held=[checkpoint])
    assert problem is not None and problem.chain == world.a.id
    # While the log is shorter the server cannot even state consistency from the
    # bundle's size; once it has grown past it again, the statement it gives fails.
    status, _ = await visitor.json(
        f"/portal/facilities/{world.a.id}/audit/consistency.json?from={checkpoint.size}")
    assert status == 404
    term = terminal("a")
    term.push([h.new_resident(term)[1] for _ in range(3)])
    assert h.audit_rows(engine, chain=world.a.id)[-1].seq > checkpoint.size
    statement = await statement_file(visitor, world, checkpoint.size, tmp_path)
    capsys.readouterr()
    assert chartkeep_verify([str(path), "--statement", str(statement)]) == 1
    assert "rewritten or cut" in capsys.readouterr().err
