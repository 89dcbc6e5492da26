"""``chartkeep-verify``: checks a signed bundle offline.

It needs only :mod:`protocol` (the bundle format and the Merkle proofs) and
``cryptography``: no server, no database, no network. The bundle format is in
:mod:`protocol.bundles` and ``docs/api.md``.
"""
