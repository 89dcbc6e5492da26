"""The core: what the server does for terminals and accounts, with no web
framework in sight (the HTTP edge in :mod:`server.http` calls it from worker
threads).

:mod:`.service`         :class:`SyncService`, the one object the edge and the CLI hold
:mod:`.enrollment`      one-time codes turn new keys into terminals
:mod:`.authentication`  signed, known, unrevoked, not replayed; refusals audited
:mod:`.mrn_pools`       record-number pools per terminal
:mod:`.push`            a batch of operations in one transaction
:mod:`.pull`            pages of the change log
:mod:`.held_review`     a supervisor's decision on a held operation
:mod:`.clone_review`    a records manager's decision on what a cloned terminal's copies sent
:mod:`.kept_review`     deciding one kept operation: the step both reviews share
:mod:`.dispatch`        the checks every operation passes, then its handler
:mod:`.permissions`     who may do what: the only place it is decided
:mod:`.results`         stored results and audit entries of operations
:mod:`.answers`         the server's signature on its answers
:mod:`.passwords`       account passwords: the shared rules, Argon2id hashing
:mod:`.directory`       a facility's users, enrollment codes and settings (CLI and portal)
:mod:`.compliance_settings` a facility's compliance settings and the staffing profiles
:mod:`.audit_log`       checkpoints, consistency statements and signed bundles

What each operation does to records is :mod:`server.commands`; the tables and
transactions are :mod:`server.storage`.
"""
