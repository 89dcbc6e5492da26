"""The records department's rules: a state's records rules as data, release of
information and its clocks, authorizations, the accounting of disclosures,
amendments, completeness and delinquency, retention and destruction."""
