"""Forms of the records department: a request for records, an extension, a
release, an amendment request, a legal hold, a deficiency resolved, an
extract. Each saves through ``session.casework`` (or ``session.extracts``),
which checks it by the server's own rule; a refusal keeps the form open with
the reason under the field it names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from protocol.errors import ValidationError
from protocol.rules.records.requests import Authority

from ..engine import Session
from .form import FormDialog
from .form_fields import FormField

AUTHORITIES = tuple((str(a).replace("_", " "), str(a)) for a in Authority)
ASKS = (("copies", "copies"), ("inspect", "inspect"), ("accounting of disclosures",
                                                        "accounting"))
YES_NO = (("yes", "yes"), ("no", "no"))

EXTRACT_WARNING = ("This writes resident data to a PLAINTEXT file outside the encrypted store. "
                   "A Safe Harbor extract removes the 18 identifiers; a limited data set keeps "
                   "dates, city and ZIP and needs a data-use agreement (the agreement fields "
                   "below, with this recipient). "
                   "The extract is recorded with its purpose and recipient.")


def iso_date(name: str, value: Any) -> str:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationError(name, "must be a date written YYYY-MM-DD") from None


def _moment(name: str, value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value).strip()).isoformat(timespec="minutes")
    except ValueError:
        raise ValidationError(name, "must be a date and time written YYYY-MM-DD HH:MM") from None


def _lines(_name: str, value: Any) -> list[str]:
    return [part.strip() for part in str(value).replace(";", ",").split(",") if part.strip()]


def new_request(session: Session, resident_id: str, who: str, now: datetime
                ) -> FormDialog[str]:
    fields = [
        FormField("received_at", "Received (date and time)", now.strftime("%Y-%m-%d %H:%M"),
                  check=_moment),
        FormField("requester", "Requester", placeholder="who asks"),
        FormField("authority", "Authority", "resident", choices=AUTHORITIES),
        FormField("ask", "Asks for", "copies", choices=ASKS),
        FormField("what", "What is asked for", placeholder="e.g. nursing notes, March 2026"),
        FormField("why", "Why", required=False),
        FormField("respond_by", "Respond by (a subpoena's date)", check=iso_date, required=False),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.casework.open_request(resident_id, **{k: v for k, v in values.items()
                                                             if v is not None})

    return FormDialog(f"Request for the records of {who}", fields, submit,
                      intro="The clock starts when the request is received. An attorney or "
                            "an insurer needs the resident's authorization before release.")


def extend(session: Session, name: str, target: str, case_id: str, today: date
           ) -> FormDialog[str]:
    fields = [
        FormField("given_on", "Written notice given on", today.isoformat(), check=iso_date),
        FormField("reason", "Reason for the delay"),
        FormField("new_due_on", "New due date (at most 30 days later)", check=iso_date),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.casework.command(name, {target: case_id, **values, "in_writing": True})

    return FormDialog("Extend once, with written notice", fields, submit,
                      intro="Only one extension, and only with a written notice given within "
                            "the first period.")


def release(session: Session, request_id: str, today: date) -> FormDialog[str]:
    fields = [
        FormField("released_on", "Released on", today.isoformat(), check=iso_date),
        FormField("parts", "Parts released (comma-separated)", parse=lambda t: _lines("", t)),
        FormField("description", "What was released, briefly"),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.casework.release_records(request_id, **values)

    return FormDialog("Release the records", fields, submit,
                      intro="The release is logged as a disclosure; amendments and statements "
                            "of disagreement of released entries go with it.")


def new_amendment(session: Session, resident_id: str, who: str, today: date,
                  entry_ids: list[str]) -> FormDialog[str]:
    fields = [
        FormField("received_on", "Received on", today.isoformat(), check=iso_date),
        FormField("entry_ids", "Entries to amend (record ids, comma-separated)",
                  ", ".join(entry_ids), parse=lambda t: _lines("", t)),
        FormField("asked", "What the resident asks to change", multiline=True),
        FormField("named_parties", "People the resident names (comma-separated)",
                  required=False, parse=lambda t: _lines("", t)),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.casework.request_amendment(
            resident_id, **{k: v for k, v in values.items() if v is not None})

    return FormDialog(f"Amendment request of {who}", fields, submit,
                      intro="A decision is due within 60 days of receipt.")


def legal_hold(session: Session, resident_id: str, who: str, today: date) -> FormDialog[str]:
    fields = [
        FormField("placed_by", "Placed by (who ordered it)"),
        FormField("reason", "Matter or case"),
        FormField("placed_on", "From", today.isoformat(), check=iso_date),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.casework.place_hold(resident_id, **values)

    return FormDialog(f"Legal hold on the record of {who}", fields, submit,
                      intro="Nothing on hold can be destroyed, whatever its retention date.")


def resolve_deficiency(session: Session, review_id: str, codes: list[tuple[str, str]],
                       today: date) -> FormDialog[str]:
    fields = [
        FormField("code", "Deficiency", codes[0][1] if codes else "", choices=codes),
        FormField("resolved_on", "Completed on", today.isoformat(), check=iso_date),
    ]

    def submit(values: dict[str, Any]) -> str:
        return session.casework.command("resolve_deficiency", {"review_id": review_id,
                                                               **values})

    return FormDialog("Mark a deficiency completed", fields, submit)


ACCOUNTING_WARNING = ("This writes the resident's accounting of disclosures to PLAINTEXT files "
                      "outside the encrypted store: a PDF for the resident and a CSV beside it. "
                      "The export is recorded.")


def accounting(session: Session, resident_id: str, who: str, home: Path, today: date,
               on_written: Callable[[Path, Path], None]) -> FormDialog[Path]:
    """The accounting of a resident's disclosures for a request made on a date:
    the 6 years before it, or the shorter period the resident asked for."""
    fields = [
        FormField("request_on", "Requested on", today.isoformat(), check=iso_date),
        FormField("asked_from", "Only from (a shorter period asked)", check=iso_date,
                  required=False),
        FormField("asked_to", "Only to", check=iso_date, required=False),
        FormField("path", "File (PDF; the CSV goes beside it)",
                  str(home / "exports" / "accounting.pdf")),
    ]

    def submit(values: dict[str, Any]) -> Path:
        def day(name: str) -> date | None:
            return date.fromisoformat(values[name]) if values.get(name) else None

        pdf, csv_path = session.casework.accounting_document(
            resident_id, Path(values["path"]), request_on=date.fromisoformat(
                values["request_on"]), asked_from=day("asked_from"), asked_to=day("asked_to"))
        on_written(pdf, csv_path)
        return pdf

    return FormDialog(f"Accounting of disclosures of {who}", fields, submit,
                      intro=ACCOUNTING_WARNING, submit_label="Write the files")


DUA_PURPOSES = (("research", "research"), ("public health", "public_health"),
                ("health care operations", "health_care_operations"))
DUA_PROMISES = (
    ("no_other_use_or_disclosure", "Recipient uses or discloses it only as agreed"),
    ("safeguards", "Recipient uses appropriate safeguards"),
    ("reports_other_use", "Recipient reports any use not agreed"),
    ("agents_bound", "Recipient binds its agents to the same terms"),
    ("no_identification_or_contact", "Recipient will not identify or contact anyone"),
)
"""The recipient's five promises a data-use agreement must hold (164.514(e)(4)(ii)(C))."""


def _agreement_fields() -> list[FormField]:
    hint = "limited data set only"
    return [
        FormField("agreement_id", "Data-use agreement: its number", required=False,
                  hint=hint),
        FormField("dua_purpose", "Agreement: purpose", "research", choices=DUA_PURPOSES),
        FormField("permitted_uses", "Agreement: permitted uses", required=False),
        FormField("permitted_users", "Agreement: who may use or receive the data",
                  required=False),
        FormField("signed_on", "Agreement: signed on", check=iso_date, required=False),
        FormField("expires_on", "Agreement: expires on", check=iso_date, required=False),
        *(FormField(name, f"Agreement: {words}", "no", choices=YES_NO)
          for name, words in DUA_PROMISES),
    ]


def agreement_of_form(values: dict[str, Any], recipient: str) -> dict[str, Any]:
    """The data-use agreement as the extract records it (its recipient is the
    extract's: an agreement with anyone else does not allow the data set)."""
    return {"agreement_id": values.get("agreement_id") or "", "recipient": recipient,
            "purpose": values["dua_purpose"],
            "permitted_uses": values.get("permitted_uses") or "",
            "permitted_users": values.get("permitted_users") or "",
            "signed_on": values.get("signed_on"), "expires_on": values.get("expires_on"),
            **{name: values.get(name) == "yes" for name, _words in DUA_PROMISES}}


def extract(session: Session, home: Path, on_written: Callable[[Path, int], None]
            ) -> FormDialog[Path]:
    fields = [
        FormField("method", "Method", "safe_harbor",
                  choices=(("Safe Harbor (de-identified)", "safe_harbor"),
                           ("Limited data set (needs an agreement)", "limited_data_set"))),
        FormField("purpose", "Purpose"),
        FormField("recipient", "Recipient"),
        FormField("path", "File", str(home / "exports" / "extract.csv")),
        *_agreement_fields(),
    ]

    def submit(values: dict[str, Any]) -> Path:
        limited = values["method"] == "limited_data_set"
        agreement = agreement_of_form(values, values["recipient"]) if limited else None
        result = session.extracts.write(values["method"], Path(values["path"]),
                                        purpose=values["purpose"],
                                        recipient=values["recipient"], agreement=agreement)
        on_written(result.path, result.rows)
        return result.path

    return FormDialog("Research or statistics extract (CSV)", fields, submit,
                      intro=EXTRACT_WARNING, submit_label="Write the file")
