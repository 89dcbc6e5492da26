"""Postings with their applicants, as the terminal and the portal list them
(protocol.rules.department.postings)."""

from __future__ import annotations

from protocol.rules.department.postings import NO_POSTING, group_by_posting, search

POSTINGS = [
    ("P1", {"position": "Coder", "department": "HIM", "hours_per_week": 40,
            "status": "closed", "posted_on": "2026-10-01", "closed_on": "2026-10-20",
            "outcome": "filled"}),
    ("P2", {"position": "Cancer registrar", "department": "HIM", "hours_per_week": 32,
            "status": "open", "posted_on": "2026-11-02"}),
    ("P3", {"position": "File clerk", "department": "Records", "hours_per_week": 20,
            "status": "open", "posted_on": "2026-11-05"}),
]
APPLICANTS = [
    ("A1", {"posting_id": "P2", "family_name": "Berg", "given_name": "Ola",
            "stage": "interviewed", "applied_on": "2026-11-04"}),
    ("A2", {"posting_id": "P2", "family_name": "Lind", "given_name": "Maja",
            "stage": "applied", "applied_on": "2026-11-03"}),
    ("A3", {"posting_id": "P1", "family_name": "Osei", "given_name": "Kwame",
            "stage": "hired", "applied_on": "2026-10-02"}),
    ("A4", {"family_name": "Ruiz", "given_name": "Ana", "stage": "screened",
            "applied_on": "2026-11-01", "position": "Secretary"}),
]


def test_open_postings_first_newest_first_then_applicants_answering_none():
    groups = group_by_posting(POSTINGS, APPLICANTS)
    assert [g.id for g in groups] == ["P3", "P2", "P1", None]
    assert groups[-1].position == NO_POSTING
    assert [a.name for a in groups[1].applicants] == ["Lind, Maja", "Berg, Ola"]
    assert groups[0].applicants == ()
    counts = groups[1].stage_counts
    assert list(counts) == ["applied", "screened", "interviewed", "offered", "hired",
                            "declined"]
    assert (counts["applied"], counts["interviewed"], counts["hired"]) == (1, 1, 0)
    assert groups[2].outcome == "filled"


def test_search_keeps_a_matching_posting_whole_or_only_matching_applicants():
    groups = group_by_posting(POSTINGS, APPLICANTS)
    assert search(groups, "  ") == groups
    [registrar] = search(groups, "REGISTRAR")
    assert len(registrar.applicants) == 2
    [only] = search(groups, "berg")
    assert (only.id, [a.id for a in only.applicants]) == ("P2", ["A1"])
    [both_words] = search(groups, "registrar applied")
    assert [a.id for a in both_words.applicants] == ["A2"]
    assert [g.id for g in search(groups, "secretary")] == [None]
    assert search(groups, "nobody") == []
