"""The accounting of disclosures as a document: the CSV row by row, the PDF read
back, and nothing said of disclosures withheld for a suspension."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from protocol.reports.accounting_document import (
    NOTHING_TO_ACCOUNT,
    AccountingDocument,
    to_csv,
    to_pdf,
)
from protocol.rules.records.disclosures import (
    Basis,
    Disclosure,
    Suspension,
    accounting,
    accounting_period,
)

REQUESTED = date(2026, 11, 9)


def _document(disclosures: list[Disclosure], suspensions: tuple[Suspension, ...] = ()
              ) -> AccountingDocument:
    made = accounting(disclosures, accounting_period(REQUESTED), provided_on=REQUESTED,
                      suspensions=suspensions)
    return AccountingDocument("Maple Grove Care Center", "Okafor, Adaeze", "MG-1",
                              REQUESTED.isoformat(), made)


def _pdf_text(document: AccountingDocument) -> str:
    pages = PdfReader(io.BytesIO(to_pdf(document))).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


SURVEY = Disclosure(date(2026, 3, 2), Basis.STATE_SURVEY_AGENCY, "Ohio Department of Health",
                    recipient_address="246 N High St, Columbus", description="Care plan",
                    purpose="annual survey")
ABUSE = [Disclosure(date(2026, m, 5), Basis.ABUSE_NEGLECT, "County adult protective services",
                    description="Nursing notes", purpose="abuse report") for m in (4, 6, 8)]
POLICE = Disclosure(date(2026, 9, 1), Basis.LAW_ENFORCEMENT, "Dayton Police",
                    description="Face sheet", request_copy_id="01J00000000000000000000099")
TREATMENT = Disclosure(date(2026, 5, 1), Basis.TREATMENT, "Dr. Ruiz", description="Labs",
                       purpose="treatment")


def test_the_csv_has_one_row_per_line_oldest_first_with_repeats_summarised() -> None:
    text = to_csv(_document([POLICE, *ABUSE, TREATMENT, SURVEY]))
    assert text.splitlines() == [
        "disclosed_on,recipient,recipient_address,description,purpose,count,last_on",
        ('2026-03-02,Ohio Department of Health,"246 N High St, Columbus",Care plan,'
         "annual survey,1,"),
        # Three abuse reports to one agency for one purpose: the first, 3, the last.
        "2026-04-05,County adult protective services,,Nursing notes,abuse report,3,2026-08-05",
        # The purpose is the written request, whose copy goes with the accounting.
        "2026-09-01,Dayton Police,,Face sheet,See the copy of the written request attached,1,",
    ]  # treatment is excluded (164.528(a)(1)(i))


def test_the_pdf_says_what_the_csv_says_and_nothing_of_a_suspension() -> None:
    held = (Suspension("Dayton Police", date(2026, 9, 1), written=True,
                       until=date(2027, 3, 1)),)
    document = _document([SURVEY, POLICE], held)
    assert document.accounting.suspended == 1
    text = _pdf_text(document)
    assert "Accounting of disclosures" in text
    assert "Period covered 2020-11-09 to 2026-11-09" in text
    assert "Ohio Department of Health" in text and "annual survey" in text
    assert "Dayton Police" not in text
    assert "suspen" not in text.lower() and "withheld" not in text.lower()
    assert "Dayton Police" not in to_csv(document)


def test_an_empty_accounting_says_so() -> None:
    document = _document([TREATMENT])
    assert to_csv(document).splitlines() == [
        "disclosed_on,recipient,recipient_address,description,purpose,count,last_on"]
    assert " ".join(NOTHING_TO_ACCOUNT.split()) in _pdf_text(document)
