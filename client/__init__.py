"""Chartkeep's terminal: an offline-first, encrypted records store for one facility.

- :mod:`client.terminal`  enroll this directory as a terminal; unlock it for a user
- :mod:`client.session`   the unlocked terminal's API, one object per area
- :mod:`client.records`   residents, stays, beds, notes, staff, tasks, conflicts,
                          the outbox review, users of the terminal
- :mod:`client.store`     the SQLCipher store, key slots, the outbox and the overlay
- :mod:`client.sync`      push and pull with the server
- :mod:`client.views`     frozen values the engine hands out
- :mod:`client.ui`        the Textual app (the only package that imports Textual)
- :mod:`client.cli`       ``chartkeep``: the app, and headless enroll/sync/status
"""
