"""Which license record counts, and who may be scheduled in a licensed role.

Builds on :mod:`protocol.rules.staffing.licenses` (validity through the expiry date,
days left, bands):

- A person's licenses group by type and issuing state. Only the **newest
  verified** record of a group counts (newest = latest expiry date, then latest
  issue date, then latest verification); an unverified renewal stays
  **pending** and extends nothing.
- An expired license blocks scheduling, from the day after its expiry date, in
  any role that needs it. Which PBJ job titles need which license types is data
  (:data:`ROLE_LICENSES`); LPN and LVN are the same license under two names,
  and an RN may fill an LPN/LVN role.
  Nurse aides are cleared through the registry (:mod:`protocol.rules.staffing.nurse_aides`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from protocol.rules.due import DueItem, DueStatus
from protocol.rules.staffing.licenses import Band, Expiry, expiry, is_valid_on
from protocol.rules.staffing.worktime import WorkEntry

RN = frozenset({"RN"})
PRACTICAL = frozenset({"LPN", "LVN", "RN"})
"""An LPN/LVN role: an RN's license covers the practical nurse's scope too."""
ROLE_LICENSES: Mapping[int, frozenset[str]] = {
    5: RN, 6: RN, 7: RN, 8: PRACTICAL, 9: PRACTICAL,
    13: frozenset({"APRN"}), 14: frozenset({"APRN"}),
}
"""License types any one of which a PBJ job title needs (codes not listed need none)."""


@dataclass(frozen=True)
class LicenseRecord:
    staff_id: str
    license_type: str
    number: str
    issuing_state: str
    expires_on: date | None
    issued_on: date | None = None
    verified_on: date | None = None
    record_id: str | None = None

    @property
    def verified(self) -> bool:
        return self.verified_on is not None

    @classmethod
    def from_fields(cls, record_id: str | None, fields: Mapping[str, Any]) -> LicenseRecord:
        """From a ``license`` record's fields (dates as ``YYYY-MM-DD`` text)."""

        def day(name: str) -> date | None:
            value = fields.get(name)
            return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None

        return cls(str(fields.get("staff_id")), str(fields.get("license_type")),
                   str(fields.get("number") or ""), str(fields.get("issuing_state") or ""),
                   day("expires_on"), day("issued_on"), day("verified_on"), record_id)


def _newest(record: LicenseRecord) -> tuple[date, date, date]:
    return (record.expires_on or date.min, record.issued_on or date.min,
            record.verified_on or date.min)


@dataclass(frozen=True)
class Standing:
    """One license (type and state) of one person, as it stands ``today``."""

    staff_id: str
    license_type: str
    issuing_state: str
    counting: LicenseRecord | None
    """The newest verified record, if any."""
    pending: tuple[LicenseRecord, ...]
    """Unverified records newer than the counting one."""
    expiry: Expiry

    @property
    def words(self) -> str:
        name = f"{self.license_type} license ({self.issuing_state})"
        if self.counting is None:
            text = f"{name}: no verified record"
        else:
            text = f"{name} {self.counting.number}: {self.expiry.words}"
        if self.pending:
            text += "; renewal recorded but not verified (pending)"
        return text


def standings(records: Iterable[LicenseRecord], today: date) -> tuple[Standing, ...]:
    groups: dict[tuple[str, str, str], list[LicenseRecord]] = defaultdict(list)
    for record in records:
        groups[(record.staff_id, record.license_type, record.issuing_state)].append(record)
    out = []
    for (staff_id, kind, state), group in sorted(groups.items()):
        verified = [r for r in group if r.verified]
        counting = max(verified, key=_newest) if verified else None
        pending = tuple(sorted((r for r in group if not r.verified
                                and (counting is None or _newest(r) > _newest(counting))),
                               key=_newest))
        shown = (expiry(counting.expires_on, today) if counting is not None
                 else Expiry(Band.NEEDS_VERIFICATION, None))
        out.append(Standing(staff_id, kind, state, counting, pending, shown))
    return tuple(out)


@dataclass(frozen=True)
class Clearance:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def may_schedule(staff_id: str, job_title_code: int, day: date,
                 records: Iterable[LicenseRecord], *,
                 required: Mapping[int, frozenset[str]] = ROLE_LICENSES) -> Clearance:
    """May ``staff_id`` work in ``job_title_code`` on ``day``? Needs a counting
    (newest verified) license of a required type that is valid that day."""
    needed = required.get(job_title_code)
    if not needed:
        return Clearance(allowed=True)
    mine = [s for s in standings((r for r in records if r.staff_id == staff_id), day)
            if s.license_type in needed]
    for standing in mine:
        if standing.counting is not None and is_valid_on(standing.counting.expires_on, day):
            return Clearance(allowed=True)
    kinds = "/".join(sorted(needed))
    expired = [(s.counting.expires_on, s.counting) for s in mine
               if s.counting is not None and s.counting.expires_on is not None]
    if expired:
        ended, latest = max(expired, key=lambda pair: _newest(pair[1]))
        reason = (f"{latest.license_type} license {latest.number} ({latest.issuing_state}) "
                  f"expired on {ended.isoformat()}")
    else:
        reason = f"no verified {kinds} license with an expiry date"
    if any(s.pending for s in mine):
        reason += "; a renewal is recorded but not verified"
    return Clearance(allowed=False, reason=f"{reason}: cannot work as job title "
                                           f"{job_title_code} on {day.isoformat()}")


def license_items(records: Iterable[LicenseRecord], today: date) -> list[DueItem]:
    """Renewals due (within 90 days), expired licenses, and records to verify."""
    items = []
    for s in standings(records, today):
        due = s.counting.expires_on if s.counting is not None else None
        what = f"renew {s.license_type} license ({s.issuing_state})"
        band = s.expiry.band
        status = {Band.EXPIRED: DueStatus.OVERDUE, Band.NEEDS_VERIFICATION: DueStatus.REVIEW,
                  Band.CURRENT: DueStatus.DONE}.get(band, DueStatus.DUE)
        if band is Band.NEEDS_VERIFICATION:
            what = f"verify {s.license_type} license ({s.issuing_state})"
        items.append(DueItem(s.staff_id, "license_expiry", what, status, due, s.words,
                             ref=s.counting.record_id if s.counting else None))
        items.extend(DueItem(
            s.staff_id, "license_verification",
            f"verify {s.license_type} license {record.number} ({s.issuing_state})",
            DueStatus.REVIEW, None,
            "an unverified renewal stays pending: only the newest verified record counts",
            ref=record.record_id) for record in s.pending)
    return items


def unlicensed_work(entries: Iterable[WorkEntry], records: Iterable[LicenseRecord], *,
                    required: Mapping[int, frozenset[str]] = ROLE_LICENSES) -> list[DueItem]:
    """Each day someone worked in a role without the license it needs."""
    records = list(records)
    worked = sorted({(e.staff_id, e.job_title_code, e.work_date) for e in entries
                     if e.job_title_code in required and e.minutes > 0})
    items = []
    for staff_id, code, day in worked:
        clearance = may_schedule(staff_id, code, day, records, required=required)
        if not clearance:
            items.append(DueItem(staff_id, "unlicensed_work", "no work without a valid license",
                                 DueStatus.VIOLATION, day, clearance.reason))
    return items
