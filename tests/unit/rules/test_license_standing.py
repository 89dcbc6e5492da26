"""Which license record counts, and scheduling blocked from the day after expiry
(docs/rules.md §7)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from protocol.rules.due import DueStatus
from protocol.rules.staffing.license_standing import (
    LicenseRecord,
    license_items,
    may_schedule,
    standings,
    unlicensed_work,
)
from protocol.rules.staffing.licenses import Band
from protocol.rules.staffing.worktime import WorkEntry

OLD = LicenseRecord("RN1", "RN", "123", "NY", date(2026, 10, 31), date(2024, 11, 1),
                    verified_on=date(2024, 11, 2), record_id="L1")
RENEWAL = LicenseRecord("RN1", "RN", "123", "NY", date(2028, 10, 31), date(2026, 10, 20),
                        record_id="L2")


def test_an_unverified_renewal_stays_pending() -> None:
    [standing] = standings([OLD, RENEWAL], date(2026, 10, 25))
    assert standing.counting == OLD
    assert standing.pending == (RENEWAL,)
    assert (standing.expiry.band, standing.expiry.days_left) == (Band.DUE_30, 6)
    assert standing.words == ("RN license (NY) 123: 6 days left; renewal recorded but not "
                              "verified (pending)")


def test_only_the_newest_verified_record_counts() -> None:
    verified = dataclasses.replace(RENEWAL, verified_on=date(2026, 10, 22))
    [standing] = standings([OLD, verified], date(2026, 10, 25))
    assert standing.counting == verified
    assert standing.pending == ()
    assert standing.expiry.band is Band.CURRENT


def test_blocked_from_the_day_after_expiry() -> None:
    # Valid through 31 October 2026 (its last day); blocked from 1 November.
    assert may_schedule("RN1", 7, date(2026, 10, 31), [OLD, RENEWAL])
    blocked = may_schedule("RN1", 7, date(2026, 11, 1), [OLD, RENEWAL])
    assert not blocked
    assert blocked.reason == ("RN license 123 (NY) expired on 2026-10-31; a renewal is "
                              "recorded but not verified: cannot work as job title 7 on "
                              "2026-11-01")
    verified = dataclasses.replace(RENEWAL, verified_on=date(2026, 11, 1))
    assert may_schedule("RN1", 7, date(2026, 11, 1), [OLD, verified])


def test_which_roles_need_which_license() -> None:
    lpn = LicenseRecord("N2", "LVN", "9", "CA", date(2027, 1, 31), verified_on=date(2025, 2, 1))
    day = date(2026, 11, 1)
    assert may_schedule("N2", 9, day, [lpn])            # LVN and LPN are one license
    assert not may_schedule("N2", 7, day, [lpn])        # not an RN
    assert may_schedule("RN1", 9, date(2026, 10, 1), [OLD])  # an RN may fill an LPN role
    assert may_schedule("N2", 10, day, [])              # aides: the registry, not a license
    assert may_schedule("N2", 1, day, [])               # no license rule for this code


def test_no_expiry_date_needs_verification_and_does_not_clear() -> None:
    undated = LicenseRecord("RN3", "RN", "77", "FL", None, verified_on=date(2026, 1, 1))
    [standing] = standings([undated], date(2026, 11, 1))
    assert standing.expiry.band is Band.NEEDS_VERIFICATION
    blocked = may_schedule("RN3", 6, date(2026, 11, 1), [undated])
    assert blocked.reason.startswith("no verified RN license with an expiry date")


def test_license_items_for_the_due_lists() -> None:
    current = LicenseRecord("RN4", "RN", "5", "NY", date(2028, 1, 1), verified_on=date(2026, 1, 1))
    items = license_items([OLD, RENEWAL, current], date(2026, 11, 1))
    assert [(i.subject, i.rule, i.status, i.due) for i in items] == [
        ("RN1", "license_expiry", DueStatus.OVERDUE, date(2026, 10, 31)),
        ("RN1", "license_verification", DueStatus.REVIEW, None),
        ("RN4", "license_expiry", DueStatus.DONE, date(2028, 1, 1)),
    ]
    assert items[0].why == ("RN license (NY) 123: expired 1 day ago; renewal recorded but not "
                            "verified (pending)")


def test_work_without_a_valid_license_is_listed() -> None:
    entries = [WorkEntry("RN1", 7, 2, date(2026, 10, 31), Decimal(480)),
               WorkEntry("RN1", 7, 2, date(2026, 11, 1), Decimal(480)),
               WorkEntry("RN1", 10, 2, date(2026, 11, 2), Decimal(480))]
    [item] = unlicensed_work(entries, [OLD, RENEWAL])
    assert (item.status, item.due) == (DueStatus.VIOLATION, date(2026, 11, 1))
