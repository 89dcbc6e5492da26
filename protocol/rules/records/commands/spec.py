"""What a records-department command is: its arguments, its check and its effect.

A records command acts on one *case* record (a request for records, an
amendment request, a completeness review, a legal hold, a destruction, a
logged disclosure …). Like a stay command it is checked by the same pure
function at the terminal (before it is saved offline) and at the server
(before it is applied), and its effect — the case as it is afterwards — is
computed from the case before and the arguments alone, so the terminal shows
exactly what the server will send back.

Whatever the effect writes comes from the arguments; what the check needs to
know beyond the case itself (the resident, the other records named, the
facility's profile and checklist) arrives as :class:`CaseFacts`, gathered by
each side from its own store. The server may add derived fields (leading
underscore) with :attr:`CaseSpec.derive`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from protocol.args import Arg, clean_args
from protocol.errors import Refused, ValidationError
from protocol.reasons import Reason
from protocol.records import RecordKind, Role
from protocol.rules.dates import day_of
from protocol.rules.department.budget import DEFAULT_LIMIT
from protocol.rules.records.completeness import Checklist
from protocol.rules.records.profile import FEDERAL_FALLBACK, RecordsProfile
from protocol.rules.residents.transfers import new_case_after_transfer

Case = dict[str, Any]


@dataclass(frozen=True)
class Named:
    """A record as one side sees it: its kind, id, data and status."""

    kind: str
    id: str
    data: Mapping[str, Any]
    status: str = "active"


@dataclass(frozen=True)
class CaseFacts:
    """What a check may need beyond the case itself."""

    today: date
    """The caller's today (the server passes the latest facility date)."""
    profile: RecordsProfile = FEDERAL_FALLBACK
    checklist: Checklist | None = None
    records: Mapping[str, Named] = field(default_factory=dict)
    """The records the arguments name, by id (residents, notes …)."""
    about: Mapping[str, tuple[Named, ...]] = field(default_factory=dict)
    """By resident id: every record about that resident (stays, holds,
    amendment requests …); by staff id: that staff member's registry checks
    and licenses (what an onboarding item names, and the entries voiding them)."""
    expenditure_limit: Decimal = DEFAULT_LIMIT
    """What the records manager may approve alone (the facility's, as data)."""
    departed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Of the residents the arguments name, those this facility transferred out and
    no longer holds, by id: the identity it keeps of them
    (:func:`protocol.rules.residents.transfers.departed_identity`)."""

    def record(self, record_id: str | None, kind: RecordKind) -> Named | None:
        found = self.records.get(record_id or "")
        return found if found is not None and found.kind == kind else None

    def about_kind(self, resident_id: str, kind: RecordKind) -> tuple[Named, ...]:
        return tuple(n for n in self.about.get(resident_id, ()) if n.kind == kind)


Check = Callable[[Case | None, Mapping[str, Any], CaseFacts], None]
Effect = Callable[[Case | None, Mapping[str, Any], str], Case]
"""(the case before or None, the cleaned arguments, the acting user's id) → the case after."""
Also = Callable[[Mapping[str, Any], Case], tuple[tuple[RecordKind, str, Case], ...]]
"""Other records a command creates: (kind, id, data) from the arguments and the case after."""
Derive = Callable[[Case, Mapping[str, Any], CaseFacts], Case]

BOTH = frozenset({Role.CLERK, Role.RECORDS_MANAGER})
RM = frozenset({Role.RECORDS_MANAGER})


def _no_others(_args: Mapping[str, Any], _after: Case) -> tuple[tuple[RecordKind, str, Case], ...]:
    return ()


@dataclass(frozen=True)
class CaseSpec:
    name: str
    kind: RecordKind
    """The kind of case record it acts on."""
    target: str
    """The argument holding that record's id."""
    args: tuple[Arg, ...]
    check: Check
    effect: Effect
    what: str
    """The command in words, for the clerk: "open a request for records"."""
    roles: frozenset[Role] = BOTH
    creates: bool = False
    also: Also = _no_others
    derive: Derive | None = None
    predicted: tuple[str, ...] = ()
    """Arguments the terminal predicts and the server derives anew (a review's
    deficiencies from the server's checklist): left out when the server
    recognises a create it already made, so a terminal whose copy of the data
    was older still sees its create as the same one."""

    def clean_args(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return clean_args(self.name, self.args, args)

    def identity(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """What makes two creates the same case: the arguments less those predicted."""
        return {k: v for k, v in args.items() if k not in self.predicted}

    def apply(self, before: Case | None, args: Mapping[str, Any], facts: CaseFacts,
              user_id: str) -> Case:
        """Check, then return the case afterwards (with derived fields)."""
        self.check(before, args, facts)
        after = self.effect(before, args, user_id)
        return self.derive(after, args, facts) if self.derive else after


def named_ids(args: Mapping[str, Any]) -> list[str]:
    """The ids of the records a command's arguments (or its case) name, which
    each side reads from its own store for :attr:`CaseFacts.records`."""
    ids = [args[k] for k in ("resident_id", "stay_id", "amendment_entry_id", "line_id",
                                "posting_id", "evidence_id", "staff_id")
           if isinstance(args.get(k), str)]
    ids.extend(i for i in args.get("entry_ids") or () if isinstance(i, str))
    ids.extend(r["resident_id"] for r in args.get("records") or ()
               if isinstance(r, Mapping) and isinstance(r.get("resident_id"), str))
    return ids


# --- helpers the checks share -----------------------------------------------------------------


def need_case(case: Case | None, what: str) -> Case:
    if case is None:
        raise Refused(Reason.NOT_FOUND, f"no such {what}")
    return case


def need_resident(facts: CaseFacts, resident_id: Any, command: str) -> Named:
    """The resident a case started by ``command`` is about: one here, or one this
    facility transferred out, as far as
    :func:`~protocol.rules.residents.transfers.new_case_after_transfer` allows
    (their kept identity, read-only, status ``transferred``)."""
    resident = facts.record(str(resident_id or ""), RecordKind.RESIDENT)
    if resident is not None:
        return resident
    departed = facts.departed.get(str(resident_id or ""))
    if departed is None:
        raise Refused(Reason.NOT_FOUND, "no such resident at this facility")
    new_case_after_transfer(command, departed)
    return Named(RecordKind.RESIDENT, str(resident_id), departed, "transferred")


def not_future(name: str, value: Any, today: date) -> date:
    day = day_of(value)
    if day is None:
        raise ValidationError(name, "must be a date")
    if day > today:
        raise ValidationError(name, "cannot be in the future")
    return day


def not_before(name: str, value: Any, earlier: Any, what: str) -> None:
    day, first = day_of(value), day_of(earlier)
    if day is not None and first is not None and day < first:
        raise ValidationError(name, f"cannot be before {what} ({first.isoformat()})")


def dated(value: Any) -> date:
    day = day_of(value)
    if day is None:
        raise ValidationError("date", "must be a date")
    return day
