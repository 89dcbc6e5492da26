"""Read-only queries over the server's records: licensure compliance, census
statistics and the reports an inspector receives, for any facility.

The report definitions and the rules are the shared contract's
(:mod:`protocol.reports`, :mod:`protocol.rules`): a report computed here from a
facility's records is the one its terminals compute offline. This package only
reads the records (:mod:`.loading`) and hands them over.

Reports never write. Each runs in a read transaction
(:func:`server.storage.db.read_tx`), takes no facility head lock and appends
nothing to the change log; when a report is audited, the audit entry is the
caller's to write, not the report's. Like :mod:`server.core` and
:mod:`server.commands`, nothing here imports a web framework: the HTTP edge
turns a report's rows into pages or JSON.
"""

from __future__ import annotations

from .compliance import facility_pbj, facility_report, facility_status, load_facts

__all__ = ["facility_pbj", "facility_report", "facility_status", "load_facts"]
