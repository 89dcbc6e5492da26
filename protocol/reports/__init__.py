"""Compliance reports, defined once for the terminal, the server and the portal.

==================  ================================================================
``settings``        a facility's compliance settings (profile, day start, waivers …)
``facts``           one facility's records turned into what the rules read
``model``           a report: rows and metadata; how figures are formatted
``catalog``         every report by name, and ``build_report``
``staffing``        posted staffing, staffing by day and over the period
``people``          license and registry roster; aides' training and reviews
``residents``       MDS schedule, census, admissions, discharges, census statistics
``status``          today's status in words and the 14-day staffing chart
``pbj_file``        the quarter's PBJ file and its problems, in words
``render``          PDF, CSV and JSON of a report, as bytes (no I/O)
==================  ================================================================

The rules themselves live in :mod:`protocol.rules`; these modules only gather a
facility's records for them and lay out what they find. Nothing here reads or
writes a file: the caller decides where the bytes go (docs/rules.md).
"""
