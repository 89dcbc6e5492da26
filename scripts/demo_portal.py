"""The portal's part of the demo: a regional manager's login (password and TOTP
secret, for the demo only), and — headless — an inspector access issued and
redeemed over plain HTTP, the way a browser without JavaScript does it, and the
entrance-conference pack downloaded as a signed bundle and verified offline."""

from __future__ import annotations

import html
import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.portal import accounts

MANAGER = "morgan"
MANAGER_PASSWORD = "lanterns along the harbor wall"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ALERT = re.compile(r'role="alert">([^<]+)<')


@dataclass
class Login:
    username: str
    password: str
    secret: str


def seed(engine: Any, settings: Any, facilities: list[str]) -> Login:
    made = accounts.create_account(engine, settings, username=MANAGER,
                                   role="regional_manager", display_name="Morgan Ellis",
                                   password=MANAGER_PASSWORD, facilities=facilities)
    return Login(made.username, MANAGER_PASSWORD, made.totp_secret or "")


def describe(url: str, login: Login, say: Any) -> None:
    """The portal's address and login, in lines that fit an 80-column terminal (the
    secret is what an authenticator app asks for; its otpauth:// address, wider
    than 80 columns, is left out)."""
    now_ms = int(time.time() * 1000)
    left = 30 - (now_ms // 1000) % 30
    say(f"\n  Portal:  {url}/portal   (regional manager, both facilities)")
    say(f"    user {login.username}   password  {login.password}")
    say(f"    TOTP secret {login.secret}  (for the demo only:")
    say("    add it to an authenticator app)")
    say(f"    current code {accounts.totp_code(login.secret, now_ms)} "
        f"(good for {left} more seconds)")


class Browser:
    """Cookies and form tokens, as a browser without JavaScript keeps them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def open(self, path: str, form: dict[str, str] | None = None) -> tuple[str, str]:
        data = None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrf": self.csrf}).encode()
        with self.opener.open(self.url + path if path.startswith("/") else path, data,
                              timeout=30) as answer:
            text = answer.read().decode()
            final = answer.geturl()
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        return final, text

    def fetch(self, path: str) -> bytes:
        """A download, as bytes."""
        with self.opener.open(self.url + path, timeout=60) as answer:
            data: bytes = answer.read()
        return data


def inspector_walkthrough(url: str, login: Login, facility_id: str, say: Any,
                          out: Path | None = None) -> bool:
    say("\nThe portal: the regional manager signs in (password, then the TOTP code)…")
    manager = Browser(url)
    manager.open("/portal/sign-in")
    manager.open("/portal/sign-in", {"username": login.username, "password": login.password})
    _, page = manager.open("/portal/sign-in/code", {
        "code": accounts.totp_code(login.secret, int(time.time() * 1000))})
    if "<h1>Facilities</h1>" not in page:
        say("  sign-in failed")
        return False
    say("  signed in; issuing an inspector access to Maple Grove for 72 hours…")
    manager.open("/portal/inspections/new")
    _, page = manager.open("/portal/inspections", {
        "inspector_name": "Dana Surveyor", "agency": "Ohio Department of Health",
        "purpose": "Annual recertification survey", "facilities": facility_id, "hours": "72"})
    key = html.unescape(re.search(r'<code class="secret" id="access-key">([^<]+)</code>',
                                  page).group(1))
    code = html.unescape(re.search(r'<code class="secret" id="access-code">([^<]+)</code>',
                                   page).group(1))
    access_page = re.search(r'href="(/portal/inspections/[0-9A-Z]+)"', page)
    say(f"  access key (sent to the inspector; never in a web address): {key}")
    say(f"  code (given separately):                                    {code}")
    say("The inspector pastes the key on /portal/access in another browser and types the code…")
    inspector = Browser(url)
    inspector.open("/portal/access")
    inspector.open("/portal/access/key", {"key": key})
    _, page = inspector.open("/portal/access", {"code": code})
    names = re.findall(r'<a href="/portal/inspect/facilities/[^"]+">([^<]+)</a>', page)
    say(f"  signed in as an inspector; facilities in the access: {', '.join(names)}")
    inspector.open("/portal/inspect/facilities/" + facility_id)
    verified = out is None or _bundle(inspector, facility_id, out, say)
    again = Browser(url)
    again.open("/portal/access")
    try:
        again.open("/portal/access/key", {"key": key})
    except urllib.error.HTTPError as exc:
        alert = ALERT.search(exc.read().decode())
        say(f"  the same key again: {exc.code} — {alert.group(1) if alert else exc.reason}")
    if access_page:
        _, page = manager.open(access_page.group(1))
        views = page.count("<tr><td>")
        say(f"  the manager's page for the access lists {views} views and downloads, each "
            "with its stated purpose, from the audit log")
    return bool(names) and verified


def _bundle(inspector: Browser, facility_id: str, out: Path, say: Any) -> bool:
    """The inspector downloads the entrance-conference pack as a signed bundle,
    and it is checked offline with chartkeep-verify."""
    path = out / "entrance-pack.zip"
    path.write_bytes(inspector.fetch(
        f"/portal/inspect/facilities/{facility_id}/reports/entrance-pack.zip"))
    say(f"  downloaded the entrance-conference pack as a signed bundle: {path}")
    checked = subprocess.run([sys.executable, "-m", "verifier.cli", str(path)],
                             capture_output=True, text=True, check=False,
                             cwd=Path(__file__).resolve().parent.parent)
    for line in (checked.stdout or checked.stderr).splitlines():
        say(f"    chartkeep-verify: {line.strip()}")
    return checked.returncode == 0
