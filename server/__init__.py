"""Chartkeep's central sync server.

Layers: the sync core (:mod:`server.core`) and what operations do
(:mod:`server.commands`), both framework-free; storage (:mod:`server.storage`);
administrative actions (:mod:`server.admin`); and the aiohttp edge
(:mod:`server.app`, :mod:`server.routes`). Errors: :mod:`server.errors`.
"""
