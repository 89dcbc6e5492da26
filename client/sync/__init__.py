"""Sync with the server: push the outbox, then pull the facility's changes.

- :mod:`.engine`     one round of sync, and what it reports
- :mod:`.transport`  how the signed messages reach the server (and fault injection)
"""
