"""Rules the terminal and the server both apply, as pure functions over plain values.

One rule, one place: the server calls these to decide an operation, and the
terminal calls the very same functions to refuse at entry what the server
would refuse (with the same reason), and to predict what the server will show.

=================  ===========================================================
``permissions``    who may do what: role × operation type × record kind
``census``         census and bed state derived from a resident's stay
``stays``          the stay commands as state transitions, with their date rules
``dates``          date rules of records (no birth or work date in the future, …)
``licenses``       license expiry bands and days left
=================  ===========================================================

Import the module you need (``from protocol.rules import census``); this
package imports nothing eagerly, so :mod:`protocol.ops` can use the rules
without an import cycle. No I/O, no clock: callers pass ``today``.

The records department's rules (release of information, disclosures,
amendments, completeness, retention, research extracts):

=====================  =======================================================
``records_profile``    a state's records rules as editable, synced data
``hipaa_deadlines``    HIPAA's 30/60-day clocks and their one extension
``requests``           release-of-information clocks and requester authority
``authorizations``     HIPAA-valid authorizations (164.508(c))
``disclosures``        the accounting of disclosures (164.528)
``amendments``         amendment requests (164.526)
``completeness``       discharge completeness reviews and delinquency
``retention``          retention end dates, legal holds, destruction
``deidentify``         Safe Harbor extracts (164.514(b)(2))
``text_redaction``     identifiers in free text
``limited_data_set``   limited data sets under a data-use agreement
``records_reasons``    the refusal codes of the records rules
=====================  =======================================================
"""
