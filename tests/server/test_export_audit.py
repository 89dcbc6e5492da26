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
