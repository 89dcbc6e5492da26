from terminal_helpers import resident_fields


def test_register_and_sync(session, server):
    rid = session.residents.register(resident_fields())
    page = session.residents.census()
    assert page.total == 1
    assert page.rows[0].pending
    assert page.rows[0].mrn.startswith("MG")
    report = session.sync()
    assert report.error is None, report.error
    assert report.applied == 1
    row = session.residents.census().rows[0]
    assert row.id == rid and not row.pending
