"""Chartkeep's terminal app (Textual).

Only this package imports Textual; everything it shows comes from the terminal's
engine (:mod:`client.terminal`, :class:`client.session.Session`), which it calls
from thread workers so the screen never waits on the encrypted store or the
network.
"""

from .app import ChartkeepApp, run

__all__ = ["ChartkeepApp", "run"]
