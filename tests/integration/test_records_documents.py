"""The records department's documents made at a terminal from what it synced: a
resident's accounting of disclosures as PDF and CSV, audited as an export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from client.store.database import AUDIT

from .conftest import Org, resident


def test_an_accounting_logged_at_one_terminal_is_written_at_another(
        org: Org, tmp_path: Path) -> None:
    manager = org.terminal(org.a, "rm.MG")
    clerk = org.terminal(org.a, "clerk.MG")
    rid = manager.residents.register(resident())
    manager.stays.admit(rid, admitted_at="2026-10-01", bed_id=org.a.beds[0])
    manager.sync()
    clerk.sync()
    # The state survey agency is easy to forget: a disclosure to it is accounted for.
    clerk.casework.log_disclosure(rid, disclosed_on="2026-10-20", basis="state_survey_agency",
                                  recipient="Ohio Department of Health",
                                  description="Care plan and MDS", purpose="complaint survey")
    clerk.casework.log_disclosure(rid, disclosed_on="2026-10-21", basis="treatment",
                                  recipient="Dr. Ruiz", description="Labs",
                                  purpose="treatment")
    clerk.sync()
    manager.sync()
    pdf, csv_path = manager.casework.accounting_document(
        rid, tmp_path / "out" / "accounting", request_on=date(2026, 11, 9))
    assert (pdf.name, csv_path.name) == ("accounting.pdf", "accounting.csv")
    assert csv_path.read_text().splitlines() == [
        "disclosed_on,recipient,recipient_address,description,purpose,count,last_on",
        "2026-10-20,Ohio Department of Health,,Care plan and MDS,complaint survey,1,",
    ]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(pdf)).pages)
    assert "Maple Grove Care Center" in text and "Period covered 2020-11-09 to 2026-11-09" in text
    assert "Ohio Department of Health" in text and "Dr. Ruiz" not in text
    with manager.store.read() as conn:
        exports = [r.detail for r in conn.execute(
            sa.select(AUDIT.c.event, AUDIT.c.detail)).all() if r.event == "export"]
    assert len(exports) == 1 and "accounting.pdf" in exports[0] and "accounting.csv" in exports[0]
