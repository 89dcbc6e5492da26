"""The page footer the release packet and the accounting of disclosures share
(``protocol.reports.render.confidential_canvas``): on every page, read back from the
PDF, what the document is, "confidential" and "page n of N"."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from protocol.reports import accounting_document, release_packet
from protocol.reports.release_packet import Entry, Packet, Part
from protocol.rules.records.disclosures import (
    Basis,
    Disclosure,
    accounting,
    accounting_period,
)


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_page_of_a_release_packet_says_what_it_is_and_its_number() -> None:
    notes = Part("Clinical notes", tuple(
        Entry(f"2026-10-{day:02d}", "Nursing note", "Ate well; walked to the garden. " * 6,
              by="Sam Ortiz") for day in range(1, 29)))
    packet = Packet("Maple Grove Care Center", "Okafor, Adaeze", "MG-1", "1941-03-02",
                    "Hart & Lowe LLP", "authorization", "notes", "legal", "2026-11-02",
                    "2026-11-09", "2026-11-09 10:00", (notes, Part("Diagnoses")))
    pages = _pages(release_packet.to_pdf(packet))
    assert len(pages) >= 3  # the cover sheet, the notes over pages, the diagnoses
    for number, text in enumerate(pages, start=1):
        assert ("Maple Grove Care Center · Okafor, Adaeze · released 2026-11-09 to "
                "Hart & Lowe LLP · confidential") in text
        assert f"Page {number} of {len(pages)}" in text


def test_every_page_of_an_accounting_says_what_it_is_and_its_number() -> None:
    requested = date(2026, 11, 9)
    many = [Disclosure(date(2026, 1, 1 + i % 28), Basis.STATE_SURVEY_AGENCY,
                       f"Survey agency {i}", description="Care plan", purpose="survey")
            for i in range(60)]
    made = accounting(many, accounting_period(requested), provided_on=requested)
    document = accounting_document.AccountingDocument(
        "Maple Grove Care Center", "Okafor, Adaeze", "MG-1", requested.isoformat(), made)
    pages = _pages(accounting_document.to_pdf(document))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert (f"Maple Grove Care Center · Okafor, Adaeze · {document.period} · provided "
                f"{document.provided_on} · confidential") in text
        assert f"Page {number} of {len(pages)}" in text
