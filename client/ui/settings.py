"""Settings of the terminal app, read once at start.

Only behaviour of the app lives here (idle lock, background sync); where the
terminal's files are is the engine's business (``CHARTKEEP_HOME``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

DEFAULT_IDLE_LOCK_SECONDS = 300.0
"""Five minutes, the automatic logoff that HIPAA's technical safeguards ask for."""

MAX_IDLE_LOCK_SECONDS = 3600.0
"""The longest idle lock the setting gives: an hour. A shared terminal left open
longer is no longer locked "after inactivity" in any sense (a setting of 1e300
seconds kept it open for good)."""

DEFAULT_AUTO_SYNC_SECONDS = 60.0
DEFAULT_STATUS_POLL_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class UISettings:
    """How the app behaves; every value can be given to :class:`ChartkeepApp`."""

    idle_lock_seconds: float = DEFAULT_IDLE_LOCK_SECONDS
    auto_sync_seconds: float = DEFAULT_AUTO_SYNC_SECONDS
    """0 turns background sync off (the clerk still syncs with ctrl+s)."""
    status_poll_seconds: float = DEFAULT_STATUS_POLL_SECONDS
    """How often the status bar re-reads the outbox; 0 turns polling off."""

    def with_overrides(self, **values: float | None) -> UISettings:
        """These settings with each value given (not ``None``) in place of its own."""
        return replace(self, **{name: value for name, value in values.items()
                                if value is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> UISettings:
        """Read ``CHARTKEEP_IDLE_LOCK_SECONDS`` and ``CHARTKEEP_AUTO_SYNC_SECONDS``."""
        env = os.environ if environ is None else environ
        return cls(
            idle_lock_seconds=min(_seconds(env, "CHARTKEEP_IDLE_LOCK_SECONDS",
                                           DEFAULT_IDLE_LOCK_SECONDS, minimum=5.0),
                                  MAX_IDLE_LOCK_SECONDS),
            auto_sync_seconds=_seconds(env, "CHARTKEEP_AUTO_SYNC_SECONDS",
                                       DEFAULT_AUTO_SYNC_SECONDS, minimum=0.0),
        )


def _seconds(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    if not math.isfinite(value):  # "inf" would switch the idle lock off
        return default
    # An idle lock of a second would make the terminal unusable; a typo must not.
    return max(value, minimum) if value > 0 else (0.0 if minimum == 0 else default)
