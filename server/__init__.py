"""Chartkeep's central sync server.

Its packages, from the edge inwards (each imports only those below it):

:mod:`server.admin`     administrative actions and the ``chartkeep-server`` CLI
:mod:`server.http`      the aiohttp app: factory, middleware, access policies, routes
:mod:`server.core`      enrollment, authentication, push, pull, held review, the
                        dispatch of each operation and the permission check
:mod:`server.reports`   read-only queries (compliance, census, inspectors); never write
:mod:`server.commands`  what operations do to records, stays and the census
:mod:`server.storage`   tables, transactions, the batch, migrations, audit, keys

``core``, ``commands`` and ``reports`` import no web framework. Settings and
the error hierarchy (:mod:`server.settings`, :mod:`server.errors`) are shared by
all of them. See ``docs/architecture.md``.
"""
