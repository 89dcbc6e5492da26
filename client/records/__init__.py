"""The terminal's records, one module per area the clerk works in.

Each module reads views (:mod:`client.views`) out of the store and records
changes through the outbox (:mod:`client.store.outbox`); the session
(:mod:`client.session`) is the public way in.
"""
