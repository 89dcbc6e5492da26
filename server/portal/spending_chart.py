"""Budget against actual as an SVG drawn on the server with pygal (as the
staffing trend is, :mod:`server.portal.trend_chart`): month by month over the
fiscal year, every line together, the cumulative budget against the
cumulative approved spending."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from protocol.rules.department.budget import LineMonth

from .trend_chart import _SCRIPT, _escape, _pygal


def totals(months: Iterable[LineMonth]) -> tuple[list[str], list[Decimal], list[Decimal]]:
    """Months in order with the cumulative budget and actual summed over the lines."""
    budget: dict[str, Decimal] = {}
    actual: dict[str, Decimal] = {}
    for m in months:
        budget[m.month] = budget.get(m.month, Decimal(0)) + m.cumulative_budget
        actual[m.month] = actual.get(m.month, Decimal(0)) + m.cumulative_actual
    order = sorted(budget)
    return order, [budget[k] for k in order], [actual[k] for k in order]


def budget_svg(months: Iterable[LineMonth], facility_name: str) -> str:
    pygal = _pygal()
    from pygal.style import Style

    labels, budget, actual = totals(months)
    style = Style(background="#ffffff", plot_background="#ffffff", foreground="#1a1a1a",
                  foreground_strong="#1a1a1a", foreground_subtle="#6a6a6a",
                  colors=("#0b4f8a", "#b35900"), font_family="system-ui, sans-serif",
                  label_font_size=11, legend_font_size=12, major_label_font_size=11)
    chart = pygal.Bar(js=[], style=style, width=640, height=260, explicit_size=False,
                      disable_xml_declaration=True, legend_at_bottom=True,
                      legend_at_bottom_columns=2, truncate_legend=-1, title=None)
    chart.x_labels = [label[2:] for label in labels]
    chart.add("Budget to date", [float(v) for v in budget])
    chart.add("Approved spending to date", [float(v) for v in actual])
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    label = (f"<title>Budget against actual at {_escape(facility_name)}</title><desc>"
             "Cumulative budget and approved spending by month, all lines</desc>")
    return svg.replace(">", ">" + label, 1) if svg.startswith("<svg") else svg
