"""A sweep's report files are audited together: one transaction, one entry per
file in its facility's chain, the chains still verifying; an unknown facility
writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.admin.compliance import audit_exports
from server.errors import NotFound
from server.storage.audit_verify import verify_audit
from server.storage.models import T


def _heads(engine: sa.Engine) -> dict[str, tuple[int, int | None]]:
    with engine.connect() as conn:
        return {row.facility_id: (row.audit_seq, row.changed_at)
                for row in conn.execute(sa.select(T.heads))}


def test_one_entry_per_file_in_each_facilitys_chain(engine, settings, world, h):
    before = _heads(engine)
    files = [(world.a.id, "report staffing-quarter csv Q", "/out/a.csv"),
             (world.b.id, "report staffing-quarter csv Q", "/out/b.csv"),
             (world.a.id, "report staffing-days csv Q", "/out/a-days.csv")]
    audit_exports(engine, settings, files)
    after = _heads(engine)
    assert after[world.a.id] == (before[world.a.id][0] + 2, before[world.a.id][1])
    assert after[world.b.id] == (before[world.b.id][0] + 1, before[world.b.id][1])
    written = [(row.facility_id, row.detail["what"], row.detail["path"])
               for row in h.audit_rows(engine, action="admin:export")]
    assert sorted(written) == sorted(files)
    with engine.connect() as conn:
        assert verify_audit(conn) is None


def test_an_unknown_facility_writes_no_entry(engine, settings, world):
    before = _heads(engine)
    with pytest.raises(NotFound):
        audit_exports(engine, settings, [(world.a.id, "report x csv Q", "/out/a.csv"),
                                         ("01NOSUCHFACILITY0000000000", "report x csv Q",
                                          "/out/x.csv")])
    assert _heads(engine) == before


def _files(world, fail_after: int | None = None):
    from server.reports.workers import ReportFile

    for n, fid in enumerate((world.a.id, world.b.id)):
        if fail_after is not None and n == fail_after:
            raise RuntimeError("the second facility's report failed")
        yield ReportFile(fid, "staffing-quarter", "2026-07-01 to 2026-09-30", False,
                         f"report of {fid}\n".encode())


def _sweep(engine, settings, world, out, files):
    from datetime import date

    from server.admin.compliance_cli import _write_files

    names = {world.a.id: "Maple Grove", world.b.id: "Oak Hill"}
    out.mkdir()
    return _write_files(engine, settings, files, names, out, "csv", date(2026, 7, 1),
                        date(2026, 9, 30))


def test_a_facility_failing_midway_leaves_the_files_before_it_audited(
        engine, settings, world, h, tmp_path):
    with pytest.raises(RuntimeError, match="second facility"):
        _sweep(engine, settings, world, tmp_path / "sweep", _files(world, fail_after=1))
    (written,) = (tmp_path / "sweep").iterdir()
    assert written.name.endswith(f"_{world.a.id}.csv")
    audited = h.audit_rows(engine, action="admin:export")
    assert [(row.facility_id, row.detail["path"]) for row in audited] == [
        (world.a.id, str(written))]


def test_files_the_audit_cannot_record_are_removed(engine, settings, world, h, tmp_path,
                                                    monkeypatch):
    from server.admin import compliance

    def refused(*args, **kwargs):
        raise OSError("the database is gone")

    monkeypatch.setattr(compliance, "audit_exports", refused)
    with pytest.raises(OSError, match="database is gone"):
        _sweep(engine, settings, world, tmp_path / "sweep", _files(world))
    assert list((tmp_path / "sweep").iterdir()) == []
    assert h.audit_rows(engine, action="admin:export") == []
