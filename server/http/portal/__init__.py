"""The portal's edge: sessions in encrypted cookies, the access guard for the
portal's policies, CSRF, security headers, and pages with JSON twins.

:mod:`.sessions`  the session's fields, sign-in (rotated) and sign-out, CSRF
:mod:`.guard`     who may open a portal route (:data:`~server.http.access.PORTAL_POLICIES`)
:mod:`.edge`      the middleware around every ``/portal`` request: cookies,
                  error pages (HTML or JSON), security headers
:mod:`.pages`     ``@page``: one view, an HTML page and its ``.json`` twin
:mod:`.forms`     reading form fields
"""
