"""Research and statistics extracts, recorded: the method, the purpose, the
recipient, how many rows and which columns — the file itself stays where it
was written. A limited data set is refused without a data-use agreement in
force for the recipient (45 CFR 164.514(e)(4)); a Safe Harbor extract needs
none (164.514(b)(2))."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from protocol.args import Arg
from protocol.errors import ValidationError
from protocol.records import RecordKind
from protocol.records.checks import _bool, _date, _int_range, _record_id, _text
from protocol.rules.research.extract import Method
from protocol.rules.research.limited_data_set import DataUseAgreement, LdsPurpose, check_agreement

from .fields import TEXT, choice_of, texts
from .spec import RM, Case, CaseFacts, CaseSpec, not_future

_DUA_TEXT = ("agreement_id", "recipient", "permitted_uses", "permitted_users")
_DUA_DATES = ("signed_on", "expires_on", "terminated_on")
_DUA_TERMS = ("no_other_use_or_disclosure", "safeguards", "reports_other_use", "agents_bound",
              "no_identification_or_contact")


def agreement_arg(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(name, "must be the terms of the data-use agreement")
    known = {*_DUA_TEXT, *_DUA_DATES, *_DUA_TERMS, "purpose"}
    unknown = set(value) - known
    if unknown:
        raise ValidationError(name, f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    text = _text(1000, allow_empty=True)
    out: dict[str, Any] = {k: text(f"{name}.{k}", value.get(k) or "") for k in _DUA_TEXT}
    out["purpose"] = choice_of(LdsPurpose)(f"{name}.purpose", value.get("purpose"))
    for key in _DUA_DATES:
        raw = value.get(key)
        out[key] = None if raw in (None, "") else _date(f"{name}.{key}", raw)
    for key in _DUA_TERMS:
        out[key] = _bool(f"{name}.{key}", value.get(key, False))
    return out


def agreement_of(data: Mapping[str, Any]) -> DataUseAgreement:
    def day(key: str) -> date | None:
        raw = data.get(key)
        return date.fromisoformat(raw) if isinstance(raw, str) and raw else None

    return DataUseAgreement(
        agreement_id=str(data.get("agreement_id") or ""), recipient=str(data["recipient"]),
        purpose=LdsPurpose(data["purpose"]), permitted_uses=str(data.get("permitted_uses") or ""),
        permitted_users=str(data.get("permitted_users") or ""), signed_on=day("signed_on"),
        expires_on=day("expires_on"), terminated_on=day("terminated_on"),
        no_other_use_or_disclosure=bool(data.get("no_other_use_or_disclosure")),
        safeguards=bool(data.get("safeguards")),
        reports_other_use=bool(data.get("reports_other_use")),
        agents_bound=bool(data.get("agents_bound")),
        no_identification_or_contact=bool(data.get("no_identification_or_contact")))


def _check(_case: Case | None, args: Mapping[str, Any], facts: CaseFacts) -> None:
    made = not_future("made_on", args["made_on"], facts.today)
    if args["method"] == Method.LIMITED_DATA_SET:
        raw = args.get("agreement")
        check_agreement(agreement_of(raw) if raw else None, recipient=args["recipient"],
                        today=made)


def _record(_case: Case | None, args: Mapping[str, Any], user_id: str) -> Case:
    return {"made_on": args["made_on"], "method": args["method"], "purpose": args["purpose"],
            "recipient": args["recipient"], "rows": args["rows"],
            "columns": list(args["columns"]), "agreement": args.get("agreement"),
            "made_by": user_id}


SPECS = (
    CaseSpec("record_extract", RecordKind.EXTRACT, "extract_id", (
        Arg("extract_id", _record_id, required=True), Arg("made_on", _date, required=True),
        Arg("method", choice_of(Method), required=True), Arg("purpose", TEXT, required=True),
        Arg("recipient", TEXT, required=True), Arg("rows", _int_range(0, 10_000_000),
                                                   required=True),
        Arg("columns", texts(100, 60), required=True), Arg("agreement", agreement_arg),
    ), _check, _record, "make a research or statistics extract", roles=RM, creates=True),
)
