"""A resident's accounting of disclosures at the terminal, as PDF and CSV
(:mod:`protocol.reports.accounting_document`), made from the disclosures this
terminal holds, as the release packet is made. The files are plaintext outside
the encrypted store, so they are written only on an explicit call and recorded
in the local audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from protocol.errors import ValidationError
from protocol.reports.accounting_document import AccountingDocument, to_csv, to_pdf

from ..errors import InputError
from ..store.database import audit
from .casework import Casework
from .exported_files import write_owner_only


def write_accounting(casework: Casework, resident_id: str, path: Path, *, request_on: date,
                     asked_from: date | None = None,
                     asked_to: date | None = None) -> tuple[Path, Path]:
    """Write the accounting for a request made on ``request_on`` to ``path`` (PDF)
    and the same name ending ``.csv``; returns both paths."""
    resident = casework.identity(resident_id)
    if resident is None:
        raise InputError("resident_id", "That resident is not at this terminal.")
    actor = casework.actor
    try:
        made = casework.accounting(resident_id, request_on, asked_from=asked_from,
                                   asked_to=asked_to)
    except ValidationError as exc:
        raise InputError(exc.field, f"The period {exc.reason}.") from None
    facility = casework.case(actor.facility_id)
    document = AccountingDocument(
        facility=str(facility.data.get("name") or "") if facility else "",
        resident=str(resident["name"]), mrn=str(resident["mrn"]),
        provided_on=actor.clock.today().isoformat(), accounting=made)
    pdf = Path(path).expanduser()
    if pdf.suffix.lower() != ".pdf":
        pdf = pdf.with_name(pdf.name + ".pdf")
    csv_path = pdf.with_suffix(".csv")
    pdf_bytes, csv_text = to_pdf(document), to_csv(document)
    try:
        pdf.parent.mkdir(parents=True, exist_ok=True)
        write_owner_only(pdf, pdf_bytes)
        write_owner_only(csv_path, csv_text.encode("utf-8"))
    except OSError as exc:
        raise InputError("path", f"Cannot write {pdf}: {exc.strerror or exc}.") from None
    with actor.store.write() as conn:
        audit(conn, actor.clock.ms(), "export", actor.user.id,
              what=f"accounting of disclosures {resident_id}", path=str(pdf),
              csv=str(csv_path), lines=len(made.lines), period=document.period)
    return pdf, csv_path
