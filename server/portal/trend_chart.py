"""The 14-day staffing trend as an SVG drawn on the server with pygal: nursing
hours per resident day by day, total and RN, against the profile's daily
minimums. No script is needed to read it; the portal serves it as an image
(its own small content policy allows the chart's embedded stylesheet only).

pygal is pure Python with no system libraries and imports quickly, which
matters for every server process; matplotlib's SVG backend would do as well
but brings a font cache and a large import for one small chart.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from typing import Any

from protocol.reports.status import Chart

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
SERIES = (("total", "Total nursing HPRD"), ("rn", "RN HPRD"))


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _pygal() -> Any:
    """pygal, without the import hook it adds for its map plugins (unused here):
    the hook predates ``find_spec``, so every later import that reaches it warns
    (an error under the test suite's warnings policy)."""
    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path
                        if type(finder).__module__ != "pygal"]
    return pygal


def trend_svg(chart: Chart, facility_name: str) -> str:
    """The chart's SVG text (no XML declaration, so it can be served as is)."""
    pygal = _pygal()
    from pygal.style import Style

    style = Style(background="#ffffff", plot_background="#ffffff", foreground="#1a1a1a",
                  foreground_strong="#1a1a1a", foreground_subtle="#6a6a6a",
                  colors=("#0b4f8a", "#1d5e20", "#6f9fd1", "#74b377"),
                  font_family="system-ui, sans-serif", label_font_size=11,
                  legend_font_size=12, major_label_font_size=11)
    line = pygal.Line(js=[], style=style, width=640, height=260, explicit_size=False,
                      disable_xml_declaration=True, show_x_guides=False, dots_size=3,
                      legend_at_bottom=True, legend_at_bottom_columns=2, x_label_rotation=0,
                      truncate_legend=-1, print_values=False, allow_interruptions=True,
                      title=None)
    line.x_labels = [day.strftime("%m-%d") for day in chart.days]
    line.x_labels_major_every = 2
    line.show_minor_x_labels = False
    for key, title in SERIES:
        line.add(title, [_number(v) for v in chart.series.get(key, [])])
    for key, title in SERIES:
        minimum = chart.minimums.get(key)
        if minimum is not None:
            line.add(f"{title} minimum", [float(minimum)] * len(chart.days), show_dots=False,
                     stroke_style={"dasharray": "6, 4", "width": 1.5})
    svg = _SCRIPT.sub("", line.render(is_unicode=True))  # its tooltip config: not needed
    label = (f"<title>Staffing at {_escape(facility_name)}, last {len(chart.days)} days"
             "</title><desc>Nursing hours per resident day, total and RN, against the "
             "profile's daily minimums</desc>")
    return svg.replace(">", ">" + label, 1) if svg.startswith("<svg") else svg


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
