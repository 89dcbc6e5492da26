"""A regional manager's browser for end-to-end tests: plain HTTP to the real
server on loopback (urllib, its own cookie jar), signing in with the password
and a TOTP code at the server's clock, and posting forms with the session's
CSRF token — the portal as a person uses it, not its core functions."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

from server.portal import accounts

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class PortalClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()))
        self.csrf = ""

    def _open(self, path: str, data: bytes | None = None) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        return status, text

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path)

    def json(self, path: str) -> Any:
        status, text = self._open(path)
        assert status == 200, (path, status, text[:200])
        return json.loads(text)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode({**fields, "csrf": self.csrf}).encode()
        return self._open(path, body)

    def sign_in(self, username: str, password: str, secret: str, now_ms: int) -> None:
        self.get("/portal/sign-in")
        status, text = self.post("/portal/sign-in", {"username": username,
                                                     "password": password})
        assert status == 200 and "Enter your code" in text, text[:300]
        status, _ = self.post("/portal/sign-in/code",
                              {"code": accounts.totp_code(secret, now_ms)})
        assert status == 200
