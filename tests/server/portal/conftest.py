"""Fixtures for the portal's HTTP tests: the real app under aiohttp's test
client, accounts made through the portal's core, and a browser-like client
that keeps its cookie, reads each form's CSRF token and signs in with a TOTP
code computed from the account's secret at the test's clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar, web

from server.http.app import create_app
from server.portal import accounts, inspections
from server.portal.principals import PortalRole, Principal

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "a long walk by the quiet lake"
STEP_MS = 30_000


@dataclass
class Account:
    id: str
    username: str
    password: str
    secret: str


class Browser:
    """One person's browser: its own cookie jar, the last page, and its CSRF token."""

    def __init__(self, session: Any, base: str, clock: Any) -> None:
        self.session = session
        self.base = base
        self.clock = clock
        self.csrf = ""
        self.last = ""

    def url(self, path: str) -> str:
        return self.base + path

    async def get(self, path: str, *, follow: bool = True) -> tuple[int, str]:
        async with self.session.get(self.url(path), allow_redirects=follow) as response:
            text = await response.text()
        self._remember(text)
        return response.status, text

    async def response(self, method: str, path: str, **kw: Any) -> Any:
        """The raw response (headers and body read), without following redirects."""
        async with self.session.request(method, self.url(path), allow_redirects=False,
                                        **kw) as response:
            await response.read()
        return response

    async def json(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.url(path), allow_redirects=False) as response:
            return response.status, await response.json()

    async def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]] | None = None,
                   *, csrf: bool = True, follow: bool = True) -> tuple[int, str]:
        if not self.csrf:
            await self.get("/portal/sign-in")
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            fields.append(("csrf", self.csrf))
        async with self.session.post(self.url(path), data=fields,
                                     allow_redirects=follow) as response:
            text = await response.text()
        self._remember(text)
        return response.status, text

    def _remember(self, text: str) -> None:
        self.last = text
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)

    async def sign_in(self, account: Account, *, password: str | None = None) -> tuple[int, str]:
        await self.get("/portal/sign-in")
        status, text = await self.post("/portal/sign-in", {
            "username": account.username, "password": password or account.password})
        if status != 200 or "Enter your code" not in text:
            return status, text
        self.clock.advance(STEP_MS)  # a code is good once: each sign-in a step later
        return await self.post("/portal/sign-in/code", {
            "code": accounts.totp_code(account.secret, self.clock.now)})


@pytest.fixture
async def app_client(aiohttp_client, engine, settings):
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def visitors(app_client, clock):
    """``await visitors()``: a new browser (its own cookies) on the one app."""
    sessions: list[ClientSession] = []

    async def make() -> Browser:
        session = ClientSession(cookie_jar=CookieJar(unsafe=True))
        sessions.append(session)
        return Browser(session, str(app_client.make_url("")).rstrip("/"), clock)

    yield make
    for session in sessions:
        await session.close()


@pytest.fixture
async def visitor(visitors):
    return await visitors()


def make_account(engine, settings, username: str, role: str = "regional_manager",
                 facilities: list[str] | tuple[str, ...] = ()) -> Account:
    made = accounts.create_account(engine, settings, username=username, role=role,
                                   password=PASSWORD, facilities=facilities)
    return Account(made.id, made.username, PASSWORD, made.totp_secret or "")


@pytest.fixture
def manager(engine, settings, world) -> Account:
    """Regional manager of facility A only."""
    return make_account(engine, settings, "rm_north", facilities=[world.a.id])


@pytest.fixture
def admin_account(engine, settings, world) -> Account:
    return make_account(engine, settings, "admin_ops", role="administrator")


def issue_access(engine, settings, manager: Account, facility_ids: list[str], *,
                 hours: int = 48, not_before: int | None = None) -> inspections.Issued:
    issuer = Principal("account", manager.id, manager.username, PortalRole.REGIONAL_MANAGER,
                       frozenset(facility_ids))
    start = settings.clock() if not_before is None else not_before
    return inspections.issue(engine, settings, issuer, inspector_name="Dana Surveyor",
                             agency="Ohio Department of Health",
                             purpose="Annual recertification survey",
                             facility_ids=facility_ids, not_before=start,
                             expires_at=start + hours * inspections.HOUR_MS)


@pytest.fixture
def p() -> Any:
    """The helpers above, for test modules."""
    from types import SimpleNamespace

    return SimpleNamespace(make_account=make_account, issue_access=issue_access,
                           PASSWORD=PASSWORD, STEP_MS=STEP_MS, web=web)
