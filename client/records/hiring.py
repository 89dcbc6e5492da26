"""Hiring at the terminal, offline: applicants and their stages, the hire that
makes a staff member from what the applicant already holds, and the
onboarding checklist a first shift waits for
(:mod:`protocol.rules.records.commands.hiring`; the same checks as the server)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.records import RecordKind
from protocol.rules.department.onboarding import (
    EVIDENCE_KINDS,
    open_items,
    reopened_items,
    voided_evidence,
)

from ..store.database import RECORDS
from .area import Area
from .case_reads import shown_rows
from .casework import Casework


def voided_for(conn: Connection, staff_ids: Iterable[str]) -> frozenset[str]:
    """Which of these staff members' registry checks and licenses show nothing
    any more (:func:`voided_evidence`), as this terminal shows them."""
    wanted = sorted(set(staff_ids))
    if not wanted:
        return frozenset()
    rows = conn.execute(sa.select(RECORDS).where(
        RECORDS.c.parent_id.in_(wanted), RECORDS.c.kind.in_(sorted(EVIDENCE_KINDS)))).all()
    return voided_evidence((n.id, n.data, n.status) for n in shown_rows(conn, rows))


class Hiring(Area):
    """``session.hiring``."""

    def _cw(self) -> Casework:
        return Casework(self._actor)

    def post_job(self, **args: Any) -> str:
        """A job posting (``position``, ``department``, ``hours_per_week``,
        ``requirements``, ``posted_on``), open until closed; returns its id."""
        cw = self._cw()
        posting_id = cw.new_id()
        cw.command("post_job", {"posting_id": posting_id, **args},
                   summary=f"Job posting {args.get('position', '')}")
        return posting_id

    def close_posting(self, posting_id: str, **args: Any) -> str:
        """Close it (``closed_on``, ``outcome`` — one of
        :data:`~protocol.rules.department.onboarding.POSTING_OUTCOMES` — and
        ``reason``): no further applicant may answer it."""
        return self._cw().command("close_posting", {"posting_id": posting_id, **args})

    def postings(self) -> list[dict[str, Any]]:
        """Every job posting here, open ones first, each with its applicants' ids."""
        answering: dict[str, list[str]] = {}
        for n in self._cw().cases(RecordKind.APPLICANT):
            if n.data.get("posting_id"):
                answering.setdefault(str(n.data["posting_id"]), []).append(n.id)
        rows = [{**n.data, "id": n.id, "applicants": answering.get(n.id, [])}
                for n in self._cw().cases(RecordKind.JOB_POSTING)]
        return sorted(rows, key=lambda p: (p.get("status") != "open",
                                           str(p.get("posted_on", "")), p["id"]))

    def add_applicant(self, **args: Any) -> str:
        """An applicant for a position (``posting_id`` of the open posting they
        answer, if any — the position and department are then the posting's;
        otherwise ``position``; ``job_title_code``,
        ``pay_type_code``, names, ``applied_on``, ``checklist``); the staff id they
        will have if hired is chosen now (``applicant(…)["staff_id"]``)."""
        cw = self._cw()
        posting = cw.case(str(args["posting_id"])) if args.get("posting_id") else None
        if posting is not None and posting.kind == RecordKind.JOB_POSTING:
            for name in ("position", "department"):
                if not args.get(name) and posting.data.get(name):
                    args[name] = posting.data[name]
        return cw.command("add_applicant", {"applicant_id": cw.new_id(),
                                            "staff_id": cw.new_id(), **args},
                          summary=f"Applicant {args.get('family_name', '')}")

    def record_stage(self, applicant_id: str, **args: Any) -> str:
        return self._cw().command("record_stage", {"applicant_id": applicant_id, **args})

    def hire(self, applicant_id: str, **args: Any) -> str:
        """Hire (after an offer): the staff member is created from the applicant;
        returns the staff id."""
        self._cw().command("hire_applicant", {"applicant_id": applicant_id, **args})
        return str(self.applicant(applicant_id)["staff_id"])

    def complete(self, applicant_id: str, **args: Any) -> str:
        return self._cw().command("complete_onboarding", {"applicant_id": applicant_id,
                                                          **args})

    def evidence(self, applicant: dict[str, Any]) -> list[tuple[str, str]]:
        """The records that can show a registry or license item of the hire's
        checklist (their registry checks and licenses, entered at the staff screen,
        less those voided), as (label, id), newest first."""
        with self.actor.store.read() as conn:
            rows = conn.execute(sa.select(RECORDS).where(
                RECORDS.c.parent_id == str(applicant.get("staff_id")),
                RECORDS.c.kind.in_(sorted(EVIDENCE_KINDS)))).all()
            shown = shown_rows(conn, rows)
        voided = voided_evidence((n.id, n.data, n.status) for n in shown)
        out = []
        for named in (n for n in shown if n.id not in voided):
            d = named.data
            if named.kind == "registry_check":
                label = (f"Registry check {d.get('state', '')} {d.get('checked_on', '')}"
                         + ("" if d.get("in_good_standing") else " (not in good standing)"))
                when = str(d.get("checked_on", ""))
            else:
                label = (f"{d.get('license_type', '')} license {d.get('number', '')} "
                         f"({d.get('issuing_state', '')}), verified "
                         f"{d.get('verified_on') or 'not yet'}")
                when = str(d.get("verified_on") or "")
            out.append((when, label, named.id))
        return [(label, rid) for when, label, rid in sorted(out, reverse=True)]

    def applicant(self, applicant_id: str) -> dict[str, Any]:
        """The applicant with ``open_items`` (what a first shift still waits for)
        and ``reopened`` (items ticked on a record since voided)."""
        found = self._cw().case(applicant_id)
        if found is None:
            return {}
        return self._with_items([{**found.data, "id": found.id}])[0]

    def applicants(self) -> list[dict[str, Any]]:
        return self._with_items([{**n.data, "id": n.id}
                                 for n in self._cw().cases(RecordKind.APPLICANT)])

    def _with_items(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.actor.store.read() as conn:
            voided = voided_for(conn, [str(r.get("staff_id")) for r in rows])
        return [{**r, "open_items": open_items(r, voided),
                 "reopened": reopened_items(r, voided)} for r in rows]
