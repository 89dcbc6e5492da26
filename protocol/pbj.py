"""Payroll-Based Journal code tables (CMS PBJ file specification 4.10.0).

Data only: the terminal shows job titles by name, the server's PBJ export and
HPRD reports group hours by the same codes.
"""

from __future__ import annotations

from decimal import Decimal

JOB_TITLES: dict[int, str] = {
    1: "Administrator", 2: "Medical Director", 3: "Other Physician", 4: "Physician Assistant",
    5: "RN Director of Nursing", 6: "RN with Administrative Duties", 7: "Registered Nurse",
    8: "LPN/LVN with Administrative Duties", 9: "LPN/LVN", 10: "Certified Nurse Aide",
    11: "Nurse Aide in Training", 12: "Medication Aide/Technician", 13: "Nurse Practitioner",
    14: "Clinical Nurse Specialist", 15: "Pharmacist", 16: "Dietitian",
    17: "Feeding Assistant", 18: "Occupational Therapist", 19: "Occupational Therapy Assistant",
    20: "Occupational Therapy Aide", 21: "Physical Therapist",
    22: "Physical Therapy Assistant", 23: "Physical Therapy Aide",
    24: "Respiratory Therapist", 25: "Respiratory Therapy Technician",
    26: "Speech/Language Pathologist", 27: "Therapeutic Recreation Specialist",
    28: "Qualified Activities Professional", 29: "Other Activities Staff",
    30: "Qualified Social Worker", 31: "Other Social Worker", 32: "Dentist", 33: "Podiatrist",
    34: "Mental Health Service Worker", 35: "Vocational Service Worker",
    36: "Clinical Laboratory Service Worker", 37: "Diagnostic X-ray Service Worker",
    38: "Blood Service Worker", 39: "Housekeeping Service Worker", 40: "Other Service Worker",
}

PAY_TYPES: dict[int, str] = {1: "Exempt", 2: "Non-exempt", 3: "Contract"}

DAY_LIMIT_HOURS = Decimal("22.5")
"""The most hours one employee may have on one date across job titles (PBJ edit
-4025, fatal; the XSD's ``hours`` maximum): the worked-hours record's field check,
the PBJ file's pre-submission check and the staffing report's risk flag all read it."""

EMPLOYEE_ID_PATTERN = r"[A-Za-z0-9_,.\- \\]{1,30}"
"""A PBJ ``employeeId``: 1–30 letters, digits, spaces or ``_ , . - \\`` (the XSD's)."""

RN_CODES = frozenset({5, 6, 7})
LPN_CODES = frozenset({8, 9})
NURSE_AIDE_CODES = frozenset({10, 11, 12})
NURSE_CODES = RN_CODES | LPN_CODES | NURSE_AIDE_CODES


def job_title(code: int | None) -> str:
    if code is None:
        return ""
    return JOB_TITLES.get(code, f"Job title {code}")
