"""Chartkeep's central sync server.

Layers: a framework-free core (:mod:`server.sync_service`, :mod:`server.operations`,
:mod:`server.stays`, :mod:`server.admin`), storage (:mod:`server.models`,
:mod:`server.db`, :mod:`server.migrations`), and the aiohttp edge
(:mod:`server.app`, :mod:`server.routes`). Errors: :mod:`server.errors`.
"""
