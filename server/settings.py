"""Server settings: one dataclass, filled from the environment by :meth:`Settings.from_env`.

Tests build a ``Settings`` directly, with a ``clock`` they move by hand and a
``faults`` hook that raises at a named stage to simulate a crash.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from protocol.codec import MAX_MESSAGE_BYTES
from protocol.hlc import system_ms

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470
HOUR_MS = 3600 * 1000

FaultHook = Callable[[str], None]
"""Called with a stage name (``"push:before_commit"``, ``"push:after_commit"``);
raising from it simulates the server dying at that point."""


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path("var/server"))
    database_url: str = ""
    """Empty means ``sqlite:///<data_dir>/chartkeep.db``."""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    client_max_size: int = MAX_MESSAGE_BYTES
    enrollment_code_ttl_ms: int = 24 * HOUR_MS
    mrn_pool_size: int = 1000
    db_pool_size: int = 5
    """Connections kept open; never fewer than ``worker_threads`` + 1 (app.py)."""
    worker_threads: int = 8
    request_stats: bool = False
    """Time requests per kind inside the process and answer them at ``GET /v1/stats``
    to loopback callers (``CHARTKEEP_SERVER_REQUEST_STATS=1``; scripts/load)."""
    portal_cookie_key: bytes | None = None
    """32 bytes that encrypt the portal's session cookies; ``None`` derives them
    from the server key, so every process of one deployment agrees."""
    portal_https: bool = False
    """Served over TLS (directly or behind a proxy): cookies marked Secure, HSTS sent."""
    portal_idle_ms: int = 30 * 60 * 1000
    portal_session_ms: int = 12 * HOUR_MS
    """A portal session ends after this long, or after ``portal_idle_ms`` unused."""
    checkpoint_interval_s: float = 120.0
    """How often each server process publishes audit checkpoints of logs that grew."""
    flood_window_s: float = 60.0
    flood_limit: int = 30
    """Refused unauthenticated or malformed requests a source may send per
    ``flood_window_s`` before it is answered 429 (per process; server/core/floods.py)."""
    flood_max_sources: int = 10_000
    tls_cert: Path | None = None
    tls_key: Path | None = None
    """PEM certificate chain and private key: ``serve`` speaks HTTPS itself (and the
    portal marks cookies Secure and sends HSTS)."""
    key_file: Path | None = None
    """The sealed signing key; ``None`` means ``<data_dir>/server-key.json``."""
    key_passphrase: str | None = field(default_factory=lambda: key_passphrase_from_env(
        dict(os.environ)))
    """Opens the key file (server/storage/keys.py); read from the environment."""
    figures_interval_s: float = 60.0
    """How often each server process recomputes the dashboard figures of facilities
    whose records changed (or whose figures are of an earlier day)."""
    faults: FaultHook | None = None
    clock: Callable[[], int] = system_ms
    """Server time in milliseconds since the epoch."""

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'chartkeep.db'}"
        if self.tls_cert is not None:
            self.portal_https = True
        if self.key_file is None:
            self.key_file = self.data_dir / "server-key.json"
        self.key_file = Path(self.key_file)

    def fault(self, stage: str) -> None:
        if self.faults is not None:
            self.faults(stage)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``CHARTKEEP_SERVER_*`` variables; explicit overrides win."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {
            "data_dir": Path(env.get("CHARTKEEP_SERVER_DATA", "var/server")),
            "database_url": env.get("CHARTKEEP_SERVER_DATABASE_URL", ""),
            "host": env.get("CHARTKEEP_SERVER_HOST", DEFAULT_HOST),
            "port": int(env.get("CHARTKEEP_SERVER_PORT", str(DEFAULT_PORT))),
        }
        for name in ("tls_cert", "tls_key"):
            if env.get(f"CHARTKEEP_SERVER_{name.upper()}"):
                values[name] = Path(env[f"CHARTKEEP_SERVER_{name.upper()}"])
        if env.get("CHARTKEEP_SERVER_KEY_FILE"):
            values["key_file"] = Path(env["CHARTKEEP_SERVER_KEY_FILE"])
        values["key_passphrase"] = key_passphrase_from_env(env)
        if env.get("CHARTKEEP_SERVER_PORTAL_KEY"):
            values["portal_cookie_key"] = base64.b64decode(env["CHARTKEEP_SERVER_PORTAL_KEY"])
        if env.get("CHARTKEEP_SERVER_PORTAL_HTTPS", "").lower() in ("1", "true", "yes"):
            values["portal_https"] = True
        if env.get("CHARTKEEP_SERVER_REQUEST_STATS", "").lower() in ("1", "true", "yes"):
            values["request_stats"] = True
        if env.get("CHARTKEEP_SERVER_FLOOD_LIMIT"):
            values["flood_limit"] = int(env["CHARTKEEP_SERVER_FLOOD_LIMIT"])
        if "CHARTKEEP_SERVER_CODE_TTL_HOURS" in env:
            values["enrollment_code_ttl_ms"] = int(
                float(env["CHARTKEEP_SERVER_CODE_TTL_HOURS"]) * HOUR_MS)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def key_passphrase_from_env(env: dict[str, str]) -> str | None:
    """``CHARTKEEP_SERVER_KEY_PASSPHRASE``, or the first line of the file named by
    ``CHARTKEEP_SERVER_KEY_PASSPHRASE_FILE`` (e.g. a mounted secret)."""
    if env.get("CHARTKEEP_SERVER_KEY_PASSPHRASE"):
        return env["CHARTKEEP_SERVER_KEY_PASSPHRASE"]
    path = env.get("CHARTKEEP_SERVER_KEY_PASSPHRASE_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError):
            return None
    return None
