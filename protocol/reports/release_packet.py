"""The release packet: a cover sheet and the parts of the record released, as PDF.

The cover sheet says who asked, on what authority, what for, what is
released and when, what goes with it (accepted amendments; a denial with the
resident's statement of disagreement and the rebuttal — 45 CFR 164.526(d)(5))
and that the recipient may not redisclose beyond what the law allows. Each
part follows on its own pages: a title and its entries, oldest first, each
with its date and author. Returns bytes; the caller decides where they go.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .render import confidential_canvas
from .render import pdf_text as _escape

ATTACHMENT_TITLES: Mapping[str, str] = {
    "amendment": "Accepted amendment",
    "amendment_request": "The resident's request for amendment",
    "denial": "The facility's denial",
    "statement_of_disagreement": "The resident's statement of disagreement",
    "rebuttal": "The facility's rebuttal",
}

REDISCLOSURE = ("This information has been disclosed to you from records protected by "
                "federal and state privacy law. Do not redisclose it except as the law "
                "permits or the individual authorizes.")


@dataclass(frozen=True)
class Entry:
    when: str
    title: str
    text: str
    by: str = ""


@dataclass(frozen=True)
class Part:
    title: str
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Packet:
    facility: str
    resident: str
    mrn: str
    birth_date: str
    requester: str
    authority: str
    asked_for: str
    purpose: str
    received_at: str
    released_on: str
    produced_at: str
    parts: tuple[Part, ...]
    attachments: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    def cover_rows(self) -> list[tuple[str, str]]:
        return [
            ("Facility", self.facility), ("Resident", self.resident),
            ("Record number", self.mrn), ("Date of birth", self.birth_date),
            ("Requested by", self.requester), ("Authority", self.authority.replace("_", " ")),
            ("Asked for", self.asked_for), ("Purpose", self.purpose or "—"),
            ("Received", self.received_at), ("Released", self.released_on),
            ("Parts released", ", ".join(p.title for p in self.parts) or "—"),
            ("Produced", self.produced_at),
        ]


def to_pdf(packet: Packet) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    buffer = io.BytesIO()
    margin = 0.75 * inch
    doc = SimpleDocTemplate(buffer, pagesize=letter, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin,
                            title=f"Release of information — {packet.resident}",
                            author="Chartkeep", subject=packet.facility)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9, leading=11.5)
    flow: list[Any] = [Paragraph("Release of information — cover sheet", styles["Title"])]
    cover = Table([[Paragraph(f"<b>{_escape(k)}</b>", body), Paragraph(_escape(v), body)]
                   for k, v in packet.cover_rows()],
                  colWidths=[1.7 * inch, 5.2 * inch], hAlign="LEFT")
    cover.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    flow += [cover, Spacer(1, 10)]
    if packet.attachments:
        flow.append(Paragraph("Attached, as the law requires (45 CFR 164.526)",
                              styles["Heading3"]))
        for item in packet.attachments:
            title = ATTACHMENT_TITLES.get(str(item.get("kind")), str(item.get("kind")))
            flow.append(Paragraph(f"<b>{_escape(title)}</b> — {_escape(item.get('text', ''))}",
                                  body))
        flow.append(Spacer(1, 10))
    flow.append(Paragraph(_escape(REDISCLOSURE), body))
    for part in packet.parts:
        flow += [PageBreak(), Paragraph(_escape(part.title), styles["Heading2"])]
        if not part.entries:
            flow.append(Paragraph("(no entries)", body))
        for entry in part.entries:
            head = f"<b>{_escape(entry.when)}</b> · {_escape(entry.title)}"
            if entry.by:
                head += f" · {_escape(entry.by)}"
            flow += [Paragraph(head, body),
                     Paragraph(_escape(entry.text).replace("\n", "<br/>"), body),
                     Spacer(1, 6)]

    doc.build(flow, canvasmaker=confidential_canvas(
        packet.facility, packet.resident, f"released {packet.released_on} to {packet.requester}",
        page=letter, margin=margin))
    return buffer.getvalue()


def parts_of(kinds: Sequence[str]) -> tuple[str, ...]:
    """The part codes known to :data:`PART_TITLES`, in their order, each once."""
    return tuple(code for code in PART_TITLES if code in kinds)


PART_TITLES: Mapping[str, str] = {
    "notes": "Clinical notes", "diagnoses": "Diagnoses", "stays": "Admissions and discharges",
    "assessments": "MDS assessments",
}
