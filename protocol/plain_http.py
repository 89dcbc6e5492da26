"""Where sync and the portal may travel without TLS: to this machine only.

The security scheme asks for TLS in production and plain HTTP only on loopback,
for development. Both sides apply it: a terminal refuses an ``http://`` server
address that is not loopback (:mod:`client.sync.transport`), and the server
refuses to listen without a certificate on any other address unless its
operator declares a TLS-terminating proxy in front (:mod:`server.http.runner`).
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Is ``host`` (a name or an address, as in a URL or ``--host``) this machine?
    Only ``localhost`` and loopback addresses are; any other name, and the
    any-address ``0.0.0.0``/``::``, are not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
