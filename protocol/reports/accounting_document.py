"""The accounting of disclosures as the resident receives it: PDF and CSV from the same rows.

An accounting (:func:`protocol.rules.records.disclosures.accounting`) becomes a
document with a heading (facility, resident, record number, the period covered,
the date provided) and one row per line: the date of the disclosure, the
recipient and their address if known, a brief description of what was
disclosed and its purpose — 45 CFR 164.528(b)(2). Repeated disclosures
summarised under (b)(3) show the first in full, their number and the date of
the last. When the purpose is a copy of the written request, the row says so.

Disclosures left out for an agency's suspension are not mentioned at all, not
even as a count: telling the resident that something is withheld would defeat
the suspension (164.528(a)(2)). With no lines the document says that no
disclosure must be accounted for in the period.

The CSV and the PDF are made from :func:`rows`, so they never disagree. Returns
bytes and text; the caller decides where they go.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from protocol.rules.records.disclosures import Accounting, AccountingLine

from .render import confidential_canvas
from .render import pdf_text as _escape

COLUMNS: tuple[str, ...] = ("disclosed_on", "recipient", "recipient_address", "description",
                            "purpose", "count", "last_on")
HEADINGS: tuple[str, ...] = ("Date", "Recipient", "Address", "What was disclosed", "Purpose",
                             "Number", "Last on")

NOTHING_TO_ACCOUNT = ("No disclosure of your health information made in this period must be "
                      "accounted for (45 CFR 164.528).")
WRITTEN_REQUEST = "See the copy of the written request attached"


@dataclass(frozen=True)
class AccountingDocument:
    facility: str
    resident: str
    mrn: str
    provided_on: str
    accounting: Accounting

    @property
    def period(self) -> str:
        p = self.accounting.period
        return f"{p.start.isoformat()} to {p.end.isoformat()}"


def _row(line: AccountingLine) -> dict[str, str]:
    d = line.first
    purpose = d.purpose or (WRITTEN_REQUEST if d.request_copy_id else "")
    return {"disclosed_on": d.disclosed_on.isoformat(), "recipient": d.recipient,
            "recipient_address": d.recipient_address, "description": d.description,
            "purpose": purpose, "count": str(line.count),
            "last_on": line.last_on.isoformat() if line.last_on else ""}


def rows(accounting: Accounting) -> list[dict[str, str]]:
    """The accounting's lines, oldest first, as the CSV's rows."""
    return [_row(line) for line in accounting.lines]


def to_csv(document: AccountingDocument) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(document.accounting))
    return out.getvalue()


def heading_rows(document: AccountingDocument) -> list[tuple[str, str]]:
    return [("Facility", document.facility), ("Resident", document.resident),
            ("Record number", document.mrn or "—"), ("Period covered", document.period),
            ("Provided", document.provided_on)]


def to_pdf(document: AccountingDocument) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    margin = 0.6 * inch
    page = landscape(letter)
    doc = SimpleDocTemplate(buffer, pagesize=page, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin,
                            title=f"Accounting of disclosures — {document.resident}",
                            author="Chartkeep", subject=document.facility)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=8.5, leading=10.5)
    flow: list[Any] = [Paragraph("Accounting of disclosures", styles["Title"])]
    heading = Table([[Paragraph(f"<b>{_escape(k)}</b>", body), Paragraph(_escape(v), body)]
                     for k, v in heading_rows(document)],
                    colWidths=[1.6 * inch, 5.4 * inch], hAlign="LEFT")
    heading.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                 ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    flow += [heading, Spacer(1, 12)]
    listed = rows(document.accounting)
    if not listed:
        flow.append(Paragraph(_escape(NOTHING_TO_ACCOUNT), body))
    else:
        flow.append(_lines_table(listed, body))
    flow += [Spacer(1, 12), Paragraph(
        "Where several disclosures were made to one recipient for one purpose, the first is "
        "given in full with their number and the date of the last (45 CFR 164.528(b)(3)).",
        body)]

    doc.build(flow, canvasmaker=confidential_canvas(
        document.facility, document.resident, document.period,
        f"provided {document.provided_on}", page=page, margin=margin))
    return buffer.getvalue()


def _lines_table(listed: Sequence[dict[str, str]], body: Any) -> Any:
    from reportlab.lib import colors
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [[Paragraph(f"<b>{_escape(h)}</b>", body) for h in HEADINGS]]
    data += [[Paragraph(_escape(r[c]), body) for c in COLUMNS] for r in listed]
    widths = [0.85, 1.7, 1.6, 2.0, 1.95, 0.6, 0.85]
    made = Table(data, colWidths=[w * inch for w in widths], repeatRows=1, hAlign="LEFT")
    made.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return made
