"""Rules the terminal and the server both apply, as pure functions over plain values.

One rule, one place: the server calls these to decide an operation, and the
terminal calls the very same functions to refuse at entry what the server
would refuse (with the same reason), and to predict what the server will show.
No I/O and no clock: callers pass ``today``. Import the module you need
(``from protocol.rules.residents import census``); this package imports
nothing eagerly, so :mod:`protocol.ops` can use the rules without a cycle.

===========================  ==================================================
``calendar``                 date and number conventions every rule shares
``dates``                    date rules of records (no birth date in the future …)
``permissions``              who may do what: role × operation × record kind
``due``                      due and overdue items, the shape every schedule returns
``offline_access``           may a terminal sign someone in offline (the window)
``emergency_access``         break the glass once that window ran out: one resident
``residents.census``         census and bed state derived from a stay
``residents.stays``          the stay commands as state transitions
``residents.census_stats``   resident days, occupancy, length of stay, by payer
``residents.mds``            the MDS assessment schedule
``residents.mds_closed``     when an MDS item stops being work (missed, closed stays)
``residents.diagnosis_rank``  the rank a new diagnosis starts with
``staffing.profile``         a state's staffing minimums as editable data
``staffing.worktime``        shifts split at midnight into worked minutes
``staffing.hprd``            hours per resident day and their compliance
``staffing.judged_days``     which days a staffing judgement covers (today, no residents)
``staffing.rn_coverage``     8 consecutive RN hours a day; the full-time DON
``staffing.nurse_aides``     registry, the 4-month rule, in-service hours, reviews
``staffing.licenses``        license expiry bands and days left
``staffing.license_standing``  which license counts; who may be scheduled
``staffing.pbj``             the PBJ 4.10.0 file and CMS's pre-submission edits
``records.profile``          a state's records rules as editable data
``records.deadlines``        HIPAA's 30/60-day clocks and their one extension
``records.requests``         release-of-information clocks and authority
``records.authorizations``   HIPAA-valid authorizations (164.508(c))
``records.disclosures``      the accounting of disclosures (164.528)
``records.amendments``       amendment requests (164.526)
``records.completeness``     discharge completeness reviews and delinquency
``records.retention``        retention end dates, legal holds, destruction
``records.reasons``          the refusal codes of the records rules
``research.deidentify``      Safe Harbor extracts (164.514(b)(2))
``research.text_redaction``  identifiers in free text
``research.stated_ages``     ages over 89 as notes state them
``research.limited_data_set``  limited data sets under a data-use agreement
===========================  ==================================================
"""
