"""The terminal's encrypted store and what is written into it.

- :mod:`.database`  the SQLCipher store, its tables and meta values
- :mod:`.keyslots`  one key slot per user, each wrapping the store's random key
- :mod:`.outbox`    recording a change: one gapless outbox row in one transaction
- :mod:`.overlay`   what the terminal shows: server state with pending operations on top

Nothing here knows the screens or the network.
"""
