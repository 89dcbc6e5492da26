"""The portal's session, kept in an encrypted cookie (``aiohttp-session``'s
``EncryptedCookieStorage``; the key comes from the settings or is derived from
the server key).

Fields: ``csrf`` (the token every form carries), and once signed in ``kind``
(``account`` or ``inspector``), ``id``, ``gen`` (the account's session
generation), ``issued`` and ``seen`` (server clock, ms) for the absolute and
idle expiry. While signing in: ``pending`` (the account that passed the
password step, when, and the TOTP secret being enrolled); while redeeming an
inspector access: ``link`` (the pasted access key, kept here while the code is
typed; it is never in a URL). A session is replaced, never upgraded, at sign-in.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.errors import ServerError
from server.portal.principals import Principal
from server.settings import Settings

from ..state import SETTINGS

COOKIE = "chartkeep_portal"
PENDING_MS = 5 * 60 * 1000
"""Time allowed between the password step and the code."""
INSPECTOR_SESSION_MS = 8 * 3600 * 1000


class CsrfRefused(ServerError):
    code = "csrf_token_invalid"
    status = 403

    def __init__(self) -> None:
        super().__init__("This form has expired or did not come from this site. Go back, "
                         "reload the page and try again.")


def cookie_key(settings: Settings, server_key: Ed25519PrivateKey) -> bytes:
    """The cookie key: from the settings, else derived from the server key."""
    if settings.portal_cookie_key is not None:
        if len(settings.portal_cookie_key) != 32:
            raise ValueError("the portal cookie key must be 32 bytes")
        return settings.portal_cookie_key
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"chartkeep portal session cookies").derive(
        server_key.private_bytes_raw())


def cookie_storage(settings: Settings, key: bytes) -> EncryptedCookieStorage:
    return EncryptedCookieStorage(key, cookie_name=COOKIE,
                                  httponly=True, samesite="Strict", path="/",
                                  secure=settings.portal_https or None)


def ensure_csrf(session: Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def check_csrf(request: web.Request, session: Session) -> None:
    """Every request that changes something carries the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    try:
        form = await request.post()
    except ValueError:  # a form that is not valid UTF-8 (found by the route fuzz): no token
        raise CsrfRefused from None
    sent = form.get("csrf")
    expected = session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) \
            or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused


async def start(request: web.Request, principal: Principal, generation: int = 0) -> Session:
    """A fresh session for a principal who just signed in (the old one is dropped)."""
    now = request.app[SETTINGS].clock()
    session = await new_session(request)
    session.update({"csrf": secrets.token_urlsafe(32), "kind": principal.kind,
                    "id": principal.id, "gen": generation, "issued": now, "seen": now})
    if principal.is_inspector and principal.expires_at is not None:
        session["until"] = min(principal.expires_at, now + INSPECTOR_SESSION_MS)
    return session


def end(session: Session) -> None:
    session.invalidate()
    ensure_csrf(session)


def expired(settings: Settings, session: Session, now: int) -> bool:
    issued, seen = session.get("issued", 0), session.get("seen", 0)
    until = session.get("until", issued + settings.portal_session_ms)
    return bool(now >= until or now - seen > settings.portal_idle_ms)


async def flash(request: web.Request, text: str) -> None:
    (await get_session(request))["flash"] = text


def pop_flash(session: Session) -> str | None:
    text: Any = session.pop("flash", None)
    return text if isinstance(text, str) else None
