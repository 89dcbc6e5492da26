"""The HTTP edge: the aiohttp app and everything that knows about requests.

:mod:`.app`         ``create_app(settings)``, the app factory
:mod:`.middleware`  error mapping and the access guard around every route
:mod:`.access`      the access policies routes declare (deny by default)
:mod:`.routes`      one ``RouteTableDef`` per module (``portal_*``: the web portal)
:mod:`.portal`      the portal's edge: sessions, its guard, CSRF, headers, pages
                    with JSON twins (templates in ``templates/``, CSS in ``static/``)
:mod:`.state`       typed app and request keys; the thread pool for blocking work
:mod:`.responses`   msgpack answers and error bodies
:mod:`.runner`      run the app in a thread (tests, demo) or in the foreground

Handlers do no work of their own: they decode, call :mod:`server.core` in a
worker thread, and answer.
"""
