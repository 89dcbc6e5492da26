"""Read-only queries over the server's records: empty until the first report lands.

What will live here: licensure compliance computed centrally (the same rules
the terminals apply offline, imported from the shared contract), census
statistics per facility and region, and the reports an inspector receives.

Reports never write. Each runs in a read transaction
(:func:`server.storage.db.read_tx`), takes no facility head lock and appends
nothing to the change log; when a report is audited, the audit entry is the
caller's to write, not the report's. Like :mod:`server.core` and
:mod:`server.commands`, nothing here imports a web framework: the HTTP edge
turns a report's rows into pages or JSON.
"""
