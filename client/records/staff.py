"""Staff, their licenses and worked hours (PBJ). Clerks read; records
managers change staff and licenses (checked here before the server checks it
again). A license's state is computed with the terminal's clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.errors import Refused
from protocol.pbj import job_title
from protocol.reasons import Reason
from protocol.records import RecordKind, resident_display_name
from protocol.rules.department.onboarding import check_first_shift
from protocol.rules.staffing.corrections import (
    change_problem,
    in_entry_order,
    link_problem,
    voided_ids,
)
from protocol.rules.staffing.license_standing import LicenseRecord, standings
from protocol.rules.staffing.licenses import Expiry, expiry, most_urgent

from ..errors import InputError, NotFound
from ..store.database import RECORDS, loads
from ..store.overlay import combine, effective, overlay_ops
from ..store.search import search_filter
from ..views import HoursView, LicenseView, Page, StaffRow, StaffView
from .area import Area
from .conflicts import conflict_values
from .directory import names
from .writes import create_record, load_record, update_record

NO_LICENSE = "none"
"""A staff member with no license on file (a license without an expiry date is
``needs_verification``, never current: :mod:`protocol.rules.staffing.licenses`)."""
ENTERED_IN_ERROR = "entered_in_error"
"""The state of a license a later entry names as entered in error, and of that
entry: shown on the staff member's page, counted nowhere."""


def standing(expiries: list[Expiry]) -> tuple[str, int | None]:
    """A staff member's license band and days left: the most urgent of their
    licenses as they stand (each license's newest verified record:
    :func:`protocol.rules.staffing.license_standing.standings`), or :data:`NO_LICENSE`."""
    if not expiries:
        return NO_LICENSE, None
    worst = most_urgent(expiries)
    return str(worst.band), worst.days_left


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


class Staff(Area):
    """``session.staff``: the roster, a staff member's page, and their records."""

    # --- reads ---------------------------------------------------------------------------

    def roster(self, query: str = "", offset: int = 0, limit: int = 50) -> Page[StaffRow]:
        """Active staff matching every word of ``query`` (name, employee id), a page
        at a time, each with their earliest license expiry."""
        actor = self.actor
        with actor.store.read() as conn:
            return _roster(conn, actor.clock.today(), query, offset, limit)

    def get(self, staff_id: str) -> StaffView:
        """A staff member with their licenses (and their state today) and hours."""
        actor = self.actor
        with actor.store.read() as conn:
            return _staff_view(conn, staff_id, actor.clock.today())

    # --- writes ---------------------------------------------------------------------------

    def add(self, fields: Mapping[str, Any]) -> str:
        return create_record(self.actor, RecordKind.STAFF, fields,
                             summary=f"Add staff member {resident_display_name(fields)}")

    def update(self, staff_id: str, changes: Mapping[str, Any]) -> int:
        return update_record(self.actor, RecordKind.STAFF, staff_id, changes,
                             summary=f"Change {', '.join(sorted(changes))} of a staff member",
                             subject_id=staff_id)

    def add_license(self, staff_id: str, fields: Mapping[str, Any]) -> str:
        self._check_voided(RecordKind.LICENSE, staff_id, fields)
        return create_record(self.actor, RecordKind.LICENSE, {**fields, "staff_id": staff_id},
                             summary=f"Add {fields.get('license_type', '')} license",
                             subject_id=staff_id)

    def void_license(self, license_id: str, reason: str) -> str:
        """Mark a license entered in error, saying why, by a later entry that names
        it (as a registry check is): it then counts nowhere (roster, standing,
        onboarding). The entry repeats the license's values, which its kind needs.
        A license already voided, or an entry that voids one, is refused."""
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("reason", "Say why the license was entered in error.")
        actor = self.actor
        with actor.store.read() as conn:
            original = dict(load_record(conn, RecordKind.LICENSE, license_id).data)
        staff_id = str(original.get("staff_id", ""))
        if any(lic.id == license_id and lic.state == ENTERED_IN_ERROR
               for lic in self.get(staff_id).licenses):
            raise InputError("entered_in_error_of", "That license is already marked entered "
                             "in error.", reason="invalid")
        values = {k: v for k, v in original.items()
                  if not k.startswith("_") and k not in ("entered_in_error_of", "error_reason",
                                                         "staff_id")}
        return self.add_license(staff_id, {**values, "entered_in_error_of": license_id,
                                           "error_reason": reason.strip()})

    def _check_voided(self, kind: RecordKind, staff_id: str, fields: Mapping[str, Any]) -> None:
        """The server's rule (:func:`~protocol.rules.staffing.corrections.link_problem`):
        an entry names as entered in error a record of its kind and staff member."""
        voided = fields.get("entered_in_error_of")
        if not voided:
            return
        with self.actor.store.read() as conn:
            target = effective(conn, kind, str(voided))
        problem = link_problem("entered_in_error_of", str(kind), staff_id,
                               None if target.state is None else target.data)
        if problem is not None:
            raise InputError("entered_in_error_of", problem, reason="not_found")

    def update_license(self, license_id: str, changes: Mapping[str, Any]) -> int:
        """Change a license's fields; one marked entered in error (or the entry that
        marks it) is refused, by the server's rule
        (:func:`~protocol.rules.staffing.corrections.change_problem`)."""
        actor = self.actor
        with actor.store.read() as conn:
            data = load_record(conn, RecordKind.LICENSE, license_id).data
            staff_id = data.get("staff_id")
            kin = _licenses(conn, [str(staff_id)]).get(str(staff_id), []) if staff_id else []
        problem = change_problem(str(RecordKind.LICENSE), license_id, data,
                                 ((rec_id, d) for rec_id, d in kin if rec_id != license_id))
        if problem is not None:
            raise InputError("entered_in_error_of", problem, reason=str(Reason.ENTRY_VOIDED))
        return update_record(actor, RecordKind.LICENSE, license_id, changes,
                             summary="Change a license", subject_id=staff_id)

    def add_hours(self, staff_id: str, fields: Mapping[str, Any]) -> str:
        """Hours worked in one shift."""
        values = {**fields, "staff_id": staff_id}
        values.pop("corrects", None)
        self._check_first_shift(staff_id)
        return create_record(self.actor, RecordKind.HOURS, values,
                             summary=f"Record {fields.get('hours', '')} hours on "
                                     f"{fields.get('work_date', '')}", subject_id=staff_id)

    def _check_first_shift(self, staff_id: str) -> None:
        """The server's rule: no worked hours before the hire's onboarding is complete."""
        from .casework import Casework
        from .hiring import voided_for

        applicants = [n.data for n in Casework(self._actor).cases(RecordKind.APPLICANT)]
        with self.actor.store.read() as conn:
            voided = voided_for(conn, [staff_id])
        try:
            check_first_shift(staff_id, applicants, voided)
        except Refused as refused:
            raise InputError("staff_id", refused.detail, reason=refused.reason) from None

    def correct_hours(self, hours_id: str, fields: Mapping[str, Any]) -> str:
        """Worked hours are immutable: the correction is a new entry that names the
        one it corrects and carries the full corrected values."""
        actor = self.actor
        with actor.store.read() as conn:
            original = dict(load_record(conn, RecordKind.HOURS, hours_id).data)
        values = {k: v for k, v in original.items()
                  if not k.startswith("_") and k not in ("corrects", "entered_in_error_of")}
        values.update(fields)
        values["corrects"] = hours_id
        return create_record(actor, RecordKind.HOURS, values,
                             summary=f"Correct hours on {values.get('work_date', '')}",
                             subject_id=values.get("staff_id"))


    # --- compliance records ------------------------------------------------------------

    def add_training(self, fields: Mapping[str, Any]) -> str:
        """An in-service session (date, minutes, topics, title) and its attendees."""
        count = len(fields.get("attendees") or ())
        return create_record(self.actor, RecordKind.TRAINING, fields,
                             summary=f"In-service {fields.get('title', '')} on "
                                     f"{fields.get('held_on', '')} ({count} attending)")

    def add_review(self, staff_id: str, fields: Mapping[str, Any]) -> str:
        """A performance review, with the weaknesses in-service must now address."""
        return create_record(self.actor, RecordKind.REVIEW, {**fields, "staff_id": staff_id},
                             summary=f"Performance review on {fields.get('reviewed_on', '')}",
                             subject_id=staff_id)

    def add_registry_check(self, staff_id: str, fields: Mapping[str, Any]) -> str:
        """A nurse-aide registry verification (state, date, standing)."""
        self._check_voided(RecordKind.REGISTRY_CHECK, staff_id, fields)
        return create_record(self.actor, RecordKind.REGISTRY_CHECK,
                             {**fields, "staff_id": staff_id},
                             summary=f"{fields.get('state', '')} registry check on "
                                     f"{fields.get('checked_on', '')}", subject_id=staff_id)

    def add_paid_leave(self, staff_id: str, fields: Mapping[str, Any]) -> str:
        """Paid time off (never worked hours; a short DON week because of it is a review)."""
        return create_record(self.actor, RecordKind.PAID_LEAVE, {**fields, "staff_id": staff_id},
                             summary=f"Paid leave on {fields.get('leave_date', '')}",
                             subject_id=staff_id)


# --- reads -------------------------------------------------------------------------------


def _roster(conn: Connection, today: date, query: str = "", offset: int = 0,
               limit: int = 50) -> Page[StaffRow]:
    where = [RECORDS.c.kind == "staff", RECORDS.c.live_status == "active",
             *search_filter(query)]
    total = conn.execute(sa.select(sa.func.count()).select_from(RECORDS).where(*where)
                         ).scalar() or 0
    rows = conn.execute(sa.select(RECORDS).where(*where).order_by(RECORDS.c.sort_key)
                        .offset(max(offset, 0)).limit(max(limit, 0))).all()
    ops = overlay_ops(conn, [r.id for r in rows if r.pending or r.data is None])
    expiries = _license_expiries(conn, [r.id for r in rows])
    out = []
    for row in rows:
        data = (combine("staff", row.id, row, ops[row.id]).data if row.id in ops
                else loads(row.data) or {})
        counted = standings(expiries.get(row.id, []), today)
        nxt = min((s.counting.expires_on for s in counted
                   if s.counting is not None and s.counting.expires_on is not None),
                  default=None)
        band, days_left = standing([s.expiry for s in counted])
        out.append(StaffRow(
            id=row.id, employee_id=str(data.get("employee_id") or ""), display_name=row.label,
            job_title_code=data.get("job_title_code"),
            job_title=job_title(data.get("job_title_code")),
            pay_type_code=data.get("pay_type_code"), next_license_expiry=nxt,
            license_state=band, license_days_left=days_left, pending=bool(row.pending)))
    return Page(rows=out, total=total, offset=offset, limit=limit)


def _licenses(conn: Connection, staff_ids: list[str]
              ) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Each staff member's active licenses (id, fields as this terminal has them)."""
    if not staff_ids:
        return {}
    rows = conn.execute(sa.select(RECORDS).where(RECORDS.c.kind == "license",
                                                 RECORDS.c.parent_id.in_(staff_ids),
                                                 RECORDS.c.live_status == "active")).all()
    ops = overlay_ops(conn, [r.id for r in rows if r.pending or r.data is None])
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for row in rows:
        out.setdefault(row.parent_id, []).append(
            (row.id, combine("license", row.id, row, ops.get(row.id, [])).data))
    return out


def _license_records(staff_id: str, found: Iterable[tuple[str, Mapping[str, Any]]]
                     ) -> list[LicenseRecord]:
    """A staff member's license records as the license rules read them (those
    entered in error, and the entries voiding them, left out)."""
    found = list(found)
    voided = voided_ids(found)
    return [replace(LicenseRecord.from_fields(rec_id, data), staff_id=staff_id)
            for rec_id, data in found if rec_id not in voided]


def _license_expiries(conn: Connection, staff_ids: list[str]) -> dict[str, list[LicenseRecord]]:
    """Each staff member's license records that count anywhere."""
    return {staff_id: _license_records(staff_id, found)
            for staff_id, found in _licenses(conn, staff_ids).items()}


def _staff_view(conn: Connection, staff_id: str, today: date) -> StaffView:
    known = names(conn)
    eff = effective(conn, "staff", staff_id)
    if eff.state is None:
        raise NotFound("That staff member is not at this terminal.")
    children = conn.execute(sa.select(RECORDS).where(RECORDS.c.parent_id == staff_id)
                            .order_by(RECORDS.c.sort_key)).all()
    ops = overlay_ops(conn, [c.id for c in children])
    combined = [(child, combine(child.kind, child.id, child, ops[child.id]))
                for child in children]
    voided = voided_ids((child.id, ceff.data) for child, ceff in combined
                        if child.kind == "license" and ceff.state is not None)
    reasons = {str(ceff.data["entered_in_error_of"]): str(ceff.data.get("error_reason") or "")
               for child, ceff in combined if child.kind == "license"
               and ceff.state is not None and ceff.data.get("entered_in_error_of")}
    licenses, hours = [], []
    for child, ceff in combined:
        if ceff.state is None:
            continue
        d = ceff.data
        if child.kind == "license":
            expires = parse_date(d.get("expires_on"))
            lic_expiry = expiry(expires, today)
            licenses.append(LicenseView(
                id=child.id, license_type=d.get("license_type"), number=d.get("number"),
                issuing_state=d.get("issuing_state"), expires_on=expires,
                state=ENTERED_IN_ERROR if child.id in voided else str(lic_expiry.band),
                days_left=lic_expiry.days_left,
                error_reason=(reasons.get(child.id) or d.get("error_reason")
                              if child.id in voided else None),
                pending=ceff.pending, fields=dict(d),
                versions=dict(ceff.state.versions),
                conflicts=conflict_values(ceff.state.conflicts, known)))
        elif child.kind == "hours":
            hours.append(HoursView(
                id=child.id, work_date=d.get("work_date"), hours=d.get("hours"),
                job_title_code=d.get("job_title_code"), pay_type_code=d.get("pay_type_code"),
                shift=d.get("shift"), corrects=d.get("corrects"),
                entered_in_error_of=d.get("entered_in_error_of"), pending=ceff.pending,
                fields=dict(d)))
    hours = in_entry_order(hours, lambda h: (h.id, h.fields), newest_day_first=True)
    data = eff.state.data
    band, days_left = standing([s.expiry for s in standings(_license_records(
        staff_id, ((lic.id, lic.fields) for lic in licenses)), today)])
    return StaffView(
        id=staff_id, fields={k: v for k, v in data.items() if not k.startswith("_")},
        versions=dict(eff.state.versions), conflicts=conflict_values(eff.state.conflicts, known),
        pending_fields=set(eff.pending_fields), display_name=resident_display_name(data),
        job_title=job_title(data.get("job_title_code")), licenses=licenses, hours=hours,
        license_state=band, license_days_left=days_left, pending=eff.pending)
