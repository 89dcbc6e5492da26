"""Job postings as their own records: posted with position, department, hours and
requirements, closed once; an applicant answers an open posting of this facility."""

from __future__ import annotations

from datetime import date

import pytest

from protocol.commands import RECORDS_COMMANDS, CaseFacts, Named
from protocol.errors import Refused, ValidationError
from protocol.records import KIND_MAX_LENGTH, RecordKind

TODAY = date(2026, 11, 10)
POSTING_ID = "01J00000000000000000000P01"
POSTING = {"posting_id": POSTING_ID, "position": "Health information technician",
           "department": "HIM", "hours_per_week": 40,
           "requirements": ["RHIT", "Two years in long-term care"], "posted_on": "2026-11-02"}
APPLICANT = {"applicant_id": "01J00000000000000000000A01",
             "staff_id": "01J00000000000000000000S01", "posting_id": POSTING_ID,
             "position": "Health information technician", "department": "HIM",
             "job_title_code": 17, "pay_type_code": 1, "family_name": "Osei",
             "given_name": "Kwame", "applied_on": "2026-11-05", "checklist": ["orientation"]}


def _apply(name: str, before: dict[str, object] | None, args: dict[str, object],
           facts: CaseFacts | None = None) -> dict[str, object]:
    spec = RECORDS_COMMANDS[name]
    return dict(spec.apply(before, spec.clean_args(args), facts or CaseFacts(today=TODAY),
                           "rm1"))


def _facts(posting: dict[str, object]) -> CaseFacts:
    return CaseFacts(today=TODAY, records={POSTING_ID: Named(
        str(RecordKind.JOB_POSTING), POSTING_ID, posting)})


def test_the_kind_fits_the_stored_column() -> None:
    assert len(RecordKind.JOB_POSTING) <= KIND_MAX_LENGTH


def test_a_posting_holds_its_details_and_is_open_until_closed_once() -> None:
    posting = _apply("post_job", None, POSTING)
    assert posting == {"position": "Health information technician", "department": "HIM",
                       "hours_per_week": 40, "posted_on": "2026-11-02",
                       "requirements": ["RHIT", "Two years in long-term care"],
                       "posted_by": "rm1", "status": "open"}
    closed = _apply("close_posting", posting, {"posting_id": POSTING_ID,
                                               "closed_on": "2026-11-09",
                                               "reason": "Position filled"})
    assert (closed["status"], closed["closed_on"], closed["close_reason"]) == (
        "closed", "2026-11-09", "Position filled")
    with pytest.raises(Refused, match="already closed"):
        _apply("close_posting", closed, {"posting_id": POSTING_ID, "closed_on": "2026-11-10"})
    with pytest.raises(ValidationError, match="before the posting was posted"):
        _apply("close_posting", posting, {"posting_id": POSTING_ID, "closed_on": "2026-11-01"})


def test_bad_hours_and_future_dates_are_refused_by_name() -> None:
    with pytest.raises(ValidationError) as bad:
        RECORDS_COMMANDS["post_job"].clean_args({**POSTING, "hours_per_week": 120})
    assert bad.value.field == "hours_per_week"
    with pytest.raises(ValidationError, match="future"):
        _apply("post_job", None, {**POSTING, "posted_on": "2026-12-01"})


def test_an_applicant_answers_an_open_posting_here() -> None:
    posting = _apply("post_job", None, POSTING)
    applicant = _apply("add_applicant", None, APPLICANT, _facts(posting))
    assert applicant["posting_id"] == POSTING_ID
    with pytest.raises(Refused, match="no such job posting"):
        _apply("add_applicant", None, APPLICANT)  # not at this facility
    with pytest.raises(Refused, match="closed"):
        _apply("add_applicant", None, APPLICANT, _facts({**posting, "status": "closed"}))
    # An applicant without a posting (a walk-in) is still taken.
    walk_in = {k: v for k, v in APPLICANT.items() if k != "posting_id"}
    assert "posting_id" not in _apply("add_applicant", None, walk_in)


@pytest.mark.parametrize("department", [None, "", "   "])
def test_an_applicant_without_a_department_is_refused_by_name(department: str | None) -> None:
    """The hire makes the staff member from the applicant, department included: an
    applicant who names none (a walk-in) is refused, saying what to give."""
    walk_in = {k: v for k, v in APPLICANT.items() if k not in ("posting_id", "department")}
    if department is not None:
        walk_in["department"] = department
    with pytest.raises(ValidationError, match="department the applicant would work in") as no:
        _apply("add_applicant", None, walk_in)
    assert no.value.field == "department"
    # Answering a posting names none either way: the terminal copies the posting's.
    posting = _apply("post_job", None, POSTING)
    with pytest.raises(ValidationError, match="department"):
        _apply("add_applicant", None, {**walk_in, "posting_id": POSTING_ID}, _facts(posting))
