"""Job postings with the applicants who answer them, as the terminal's F10
screen and the region's portal both list them: open postings first, each with
its applicants (and their stage) and the count at each stage; applicants who
answer no posting come last, under a group of their own.

:func:`search` keeps what matches every word typed (position, department,
posting status, an applicant's name or stage): a posting that matches keeps
all its applicants, otherwise only the applicants that match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .onboarding import STAGES

NO_POSTING = "Applicants answering no posting"


@dataclass(frozen=True)
class Applicant:
    id: str
    name: str
    stage: str
    applied_on: str
    position: str

    @classmethod
    def of(cls, applicant_id: str, data: Mapping[str, Any]) -> Applicant:
        name = f"{data.get('family_name', '')}, {data.get('given_name', '')}"
        return cls(applicant_id, name, str(data.get("stage") or "applied"),
                   str(data.get("applied_on") or ""), str(data.get("position") or ""))

    def words(self) -> str:
        return f"{self.name} {self.stage} {self.position}".casefold()


@dataclass(frozen=True)
class PostingGroup:
    """A posting (``id`` None: the applicants who answer none) and its applicants."""

    id: str | None
    position: str
    department: str
    hours_per_week: int | None
    status: str
    posted_on: str
    closed_on: str
    outcome: str
    applicants: tuple[Applicant, ...] = field(default=())

    @property
    def stage_counts(self) -> dict[str, int]:
        """How many applicants are at each stage, in the stages' order (none left out)."""
        return {s: sum(1 for a in self.applicants if a.stage == s) for s in STAGES}

    def words(self) -> str:
        return f"{self.position} {self.department} {self.status}".casefold()


def group_by_posting(postings: Iterable[tuple[str, Mapping[str, Any]]],
                     applicants: Iterable[tuple[str, Mapping[str, Any]]]
                     ) -> list[PostingGroup]:
    """Postings (id, data) with the applicants (id, data) who answer each: open
    ones first, newest first within; then the applicants answering none."""
    answering: dict[str | None, list[Applicant]] = {}
    known = dict(postings)
    for applicant_id, data in applicants:
        posting = data.get("posting_id")
        key = str(posting) if posting and str(posting) in known else None
        answering.setdefault(key, []).append(Applicant.of(applicant_id, data))
    groups = [PostingGroup(
        pid, str(d.get("position") or ""), str(d.get("department") or ""),
        d.get("hours_per_week") if isinstance(d.get("hours_per_week"), int) else None,
        str(d.get("status") or "open"), str(d.get("posted_on") or ""),
        str(d.get("closed_on") or ""), str(d.get("outcome") or ""),
        tuple(sorted(answering.get(pid, ()), key=lambda a: (a.applied_on, a.name))))
        for pid, d in known.items()]
    groups.sort(key=lambda g: (g.status != "open", _newest_first(g.posted_on), g.position))
    if answering.get(None):
        groups.append(PostingGroup(None, NO_POSTING, "", None, "", "", "", "", tuple(
            sorted(answering[None], key=lambda a: (a.applied_on, a.name)))))
    return groups


def _newest_first(day: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in day)


def search(groups: Iterable[PostingGroup], query: str) -> list[PostingGroup]:
    """The groups and applicants matching every word of ``query`` (case ignored)."""
    words = query.casefold().split()
    if not words:
        return list(groups)
    out = []
    for group in groups:
        if all(w in group.words() for w in words):
            out.append(group)
            continue
        found = tuple(a for a in group.applicants
                      if all(w in f"{group.words()} {a.words()}" for w in words))
        if found:
            out.append(PostingGroup(group.id, group.position, group.department,
                                    group.hours_per_week, group.status, group.posted_on,
                                    group.closed_on, group.outcome, found))
    return out
