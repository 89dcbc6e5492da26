"""The demo's own line on the sign-in screen: its login and the portal's address.

Only ``scripts/demo`` gives the app this text (``ChartkeepApp(demo_hint=…)``); a
deployed terminal has none, and then nothing is shown. The text is shown as
typed, never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class DemoHint(Static):
    DEFAULT_CSS = """
    DemoHint {
        height: auto;
        color: $text-warning;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__(Text(text), id="demo-hint")
