"""One report, three files: CSV, JSON and PDF, each returned as bytes.

No I/O here: the caller (the terminal's explicit export, the server's CLI, the
portal) decides where the bytes go. The PDF is a ReportLab platypus flow of the
same rows the CSV writes; every page carries the facility, the period, the
staffing profile, when it was produced, from what data, and "page n of N".
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from .model import Report

FORMATS = ("pdf", "csv", "json")


def to_csv(report: Report) -> bytes:
    """A header row of column titles, then the rows (UTF-8, with a byte-order mark
    so spreadsheet programs read accents right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in report.columns])
    writer.writerows(report.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_json(report: Report) -> bytes:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def render(report: Report, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "pdf":
        return to_pdf(report)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def to_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import (
        LongTable,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    buffer = io.BytesIO()
    page = landscape(letter)
    margin = 0.5 * inch
    doc = SimpleDocTemplate(buffer, pagesize=page, leftMargin=margin, rightMargin=margin,
                            topMargin=1.0 * inch, bottomMargin=0.6 * inch,
                            title=f"{report.title} — {report.facility_name}",
                            author="Chartkeep", subject=report.period)
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=7, leading=8.5)
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    flow: list[Any] = []
    if report.summary:
        summary = Table([[Paragraph(pdf_text(k), small), Paragraph(pdf_text(v), small)]
                         for k, v in report.summary],
                        colWidths=[3.2 * inch, 6.5 * inch], hAlign="LEFT")
        summary.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                     ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                                     ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        flow += [summary, Spacer(1, 8)]
    width = page[0] - 2 * margin
    weights = [c.width for c in report.columns]
    col_widths = [width * w / sum(weights) for w in weights]
    header = [Paragraph(f"<b>{pdf_text(c.title)}</b>", cell) for c in report.columns]
    body = [[Paragraph(pdf_text(value), cell) for value in row] for row in report.rows]
    if not body:
        body = [[Paragraph("(nothing in this period)", cell)]
                + [Paragraph("", cell)] * (len(report.columns) - 1)]
    table = LongTable([header, *body], colWidths=col_widths, repeatRows=1)
    style: list[Any] = [("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("TEXTCOLOR", (0, i + 1), (-1, i + 1), colors.darkred)
              for i in sorted(report.failing)]
    style += [("BACKGROUND", (0, i + 1), (-1, i + 1), colors.mistyrose)
              for i in sorted(report.failing)]
    table.setStyle(TableStyle(style))
    flow.append(table)
    if report.notes:
        flow.append(Spacer(1, 8))
        flow += [Paragraph(pdf_text(note), small) for note in report.notes]
    canvas_class = _numbered_canvas(report, page, margin)
    doc.build(flow, canvasmaker=canvas_class)
    return buffer.getvalue()


def pdf_text(text: object) -> str:
    """Text as ReportLab's paragraph markup reads it: ``&``, ``<`` and ``>`` escaped.
    Every PDF this package writes (reports, release packets, accountings) uses it."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


FOOTER_BASELINE = 0.4 * 72
"""Points above the page's bottom edge (0.4 inch), inside every document's bottom margin."""


def confidential_canvas(*about: str, page: tuple[float, float], margin: float) -> Any:
    """The canvas of a document given to or about one resident (the release packet,
    the accounting of disclosures): on every page, what it is, ending "confidential",
    on the left and "Page n of N" on the right (a recipient can tell that no page is
    missing), in the bottom margin of the document's page size. Pass it
    to ``doc.build`` as ``canvasmaker``."""
    text = " · ".join((*about, "confidential"))

    def decorate(canvas: Any, number: int, total: int) -> None:
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(margin, FOOTER_BASELINE, text)
        canvas.drawRightString(page[0] - margin, FOOTER_BASELINE,
                               f"Page {number} of {total}")

    return _deferred_canvas(decorate)


def _deferred_canvas(decorate: Callable[[Any, int, int], None]) -> Any:
    """A canvas that keeps its pages until the count is known, then has ``decorate``
    draw on each (canvas, page number, page count) before writing it."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802  ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # ReportLab's own reset

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _numbered_canvas(report: Report, page: tuple[float, float], margin: float) -> Any:
    """A canvas that draws the header and footer once the page count is known."""
    header = report.header_lines()

    def decorate(canvas: Any, number: int, total: int) -> None:
        width, height = page
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawString(margin, height - 0.45 * 72, header[0])
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, height - 0.62 * 72, header[1])
        canvas.drawString(margin, height - 0.76 * 72, header[2])
        canvas.drawString(margin, 0.35 * 72, f"Chartkeep · {report.name} · "
                          "contains resident or staff data: keep confidential")
        canvas.drawRightString(width - margin, 0.35 * 72, f"Page {number} of {total}")

    return _deferred_canvas(decorate)
