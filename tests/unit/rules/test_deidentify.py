"""Safe Harbor, field by field, and the limited data set behind its agreement. By hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from protocol.errors import Refused, ValidationError
from protocol.rules.research.deidentify import (
    HHS_RESTRICTED_ZIP3,
    Column,
    FieldKind,
    Subject,
    age_on,
    extract_age,
    output_columns,
    parse_restricted_zip3,
    safe_harbor_row,
    zip3,
)
from protocol.rules.research.limited_data_set import (
    DataUseAgreement,
    LdsPurpose,
    agreement_problems,
    limited_data_set_row,
)

K, S = FieldKind, Subject
EXTRACT_ON = date(2026, 12, 7)

COLUMNS = (
    Column("resident_name", K.NAME),
    Column("mrn", K.MRN),
    Column("ssn", K.SSN),
    Column("birth_date", K.BIRTH_DATE),
    Column("age", K.AGE),
    Column("sex", K.VALUE),
    Column("street", K.STREET),
    Column("city", K.CITY),
    Column("county", K.COUNTY),
    Column("state", K.STATE),
    Column("zip", K.ZIP),
    Column("room_bed", K.ROOM_BED),
    Column("admitted_on", K.DATE),
    Column("discharged_on", K.DATE),
    Column("medicare_number", K.HEALTH_PLAN_NUMBER),
    Column("account_number", K.ACCOUNT_NUMBER),
    Column("phone", K.PHONE),
    Column("fax", K.FAX),
    Column("email", K.EMAIL),
    Column("drivers_license", K.CERTIFICATE_LICENSE),
    Column("vehicle_plate", K.VEHICLE_ID),
    Column("pacemaker_serial", K.DEVICE_ID),
    Column("portal_url", K.URL),
    Column("last_login_ip", K.IP_ADDRESS),
    Column("fingerprint", K.BIOMETRIC),
    Column("photo", K.PHOTO),
    Column("bed_board_id", K.OTHER_UNIQUE_ID),
    Column("precinct", K.PRECINCT),
    Column("geocode", K.GEOCODE),
    Column("daughter_name", K.NAME, S.RELATIVE),
    Column("daughter_phone", K.PHONE, S.RELATIVE),
    Column("daughter_zip", K.ZIP, S.RELATIVE),
    Column("daughter_birth_date", K.BIRTH_DATE, S.RELATIVE),
    Column("employer", K.NAME, S.EMPLOYER),
    Column("lodger", K.NAME, S.HOUSEHOLD_MEMBER),
    Column("attending", K.PROVIDER_NAME),
    Column("diagnosis", K.VALUE),
    Column("study_code", K.REIDENTIFICATION_CODE),
    Column("note", K.FREE_TEXT),
)

NOTE = ("Rose fell on 3/14/2026 in Room 12B; daughter Jane Alder-Smith (206-555-0147) "
        "notified March 15. Dr. Patel examined. Rose, a 91-year-old, born 10/02/1935. "
        "MRN 100234 flagged.")

ROW: dict[str, Any] = {
    "resident_name": "Rose Alder", "mrn": "100234", "ssn": "123-45-6789",
    "birth_date": "1935-10-02", "age": 91, "sex": "F",
    "street": "12 Oak Tree Lane", "city": "Alstead", "county": "Cheshire", "state": "NH",
    "zip": "03601", "room_bed": "214-A", "admitted_on": "2024-03-14",
    "discharged_on": "2026-11-30", "medicare_number": "1EG4-TE5-MK73",
    "account_number": "A-99812", "phone": "603-555-0101", "fax": "603-555-0102",
    "email": "rose@example.com", "drivers_license": "NHL0012345", "vehicle_plate": "NH 4821",
    "pacemaker_serial": "PM-7781234", "portal_url": "https://portal.example.org/u/ra",
    "last_login_ip": "10.0.0.12", "fingerprint": "minutiae:0x3f2a", "photo": "photo-77.jpg",
    "bed_board_id": "BB-31", "precinct": "Ward 3", "geocode": "43.17,-72.36",
    "daughter_name": "Jane Alder-Smith", "daughter_phone": "206-555-0147",
    "daughter_zip": "98101-1234", "daughter_birth_date": "1960-05-05",
    "employer": "Cheshire Mills", "lodger": "Tom Birch",
    "attending": "Dr. Anil Patel", "diagnosis": "F03.90", "study_code": "S-0042",
    "note": NOTE,
}


def test_a_safe_harbor_row_field_by_field() -> None:
    out = safe_harbor_row(ROW, COLUMNS, extract_on=EXTRACT_ON)
    assert out == {
        # 91 on 7 Dec 2026 (born 2 Oct 1935): age grouped, birth year dropped
        "birth_date": None,
        "age": "90 or older",
        "sex": "F",
        "state": "NH",
        "zip": "000",                 # 036 is on the restricted list
        "admitted_on": 2024,          # dates → the year
        "discharged_on": 2026,
        "daughter_zip": "981",        # ZIP+4 → first 3 digits
        "daughter_birth_date": 1960,  # the daughter is 66: her birth year stays
        "attending": "Dr. Anil Patel",  # provider names may stay
        "diagnosis": "F03.90",
        "study_code": "S-0042",
        "note": ("[name] fell on 2026 in [location]; daughter [name] ([removed]) "
                 "notified [date]. Dr. Patel examined. [name], a [90 or older], born [year]. "
                 "MRN [removed] flagged."),
    }
    # every identifier column is gone, the relative's, employer's and lodger's too
    assert output_columns(COLUMNS) == tuple(out)


def test_the_extract_refuses_an_undeclared_column() -> None:
    with pytest.raises(ValidationError) as refused:
        safe_harbor_row({**ROW, "nickname": "Rosie"}, COLUMNS, extract_on=EXTRACT_ON)
    assert refused.value.field == "columns"
    assert "nickname" in refused.value.reason
    with pytest.raises(ValidationError, match="once"):
        safe_harbor_row({}, (Column("a", K.VALUE), Column("a", K.NAME)), extract_on=EXTRACT_ON)


def test_ages_at_the_boundary_and_at_death() -> None:
    columns = (Column("birth_date", K.BIRTH_DATE), Column("age", K.AGE))

    def shown(born: str, age: int, extract_on: date = EXTRACT_ON,
              died_on: date | None = None) -> dict[str, Any]:
        return safe_harbor_row({"birth_date": born, "age": age}, columns,
                               extract_on=extract_on, died_on=died_on)

    # 89 on 7 Dec 2026 (born 15 Jan 1937): year and age stay
    assert shown("1937-01-15", 89) == {"birth_date": 1937, "age": 89}
    assert shown("1936-09-01", 90) == {"birth_date": None, "age": "90 or older"}
    # a decedent's age is at death: born 1 Sep 1936, died 15 Aug 2025 at 88
    assert extract_age(date(1936, 9, 1), EXTRACT_ON, date(2025, 8, 15)) == 88
    assert shown("1936-09-01", 88, died_on=date(2025, 8, 15)) == {"birth_date": 1936, "age": 88}
    assert extract_age(date(1936, 9, 1), EXTRACT_ON) == "90 or older"


def test_a_29_february_birthday_turns_90_on_1_march_in_a_common_year() -> None:
    born = date(1936, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 89
    assert age_on(born, date(2026, 3, 1)) == 90
    columns = (Column("birth_date", K.BIRTH_DATE),)
    assert safe_harbor_row({"birth_date": "1936-02-29"}, columns,
                           extract_on=date(2026, 2, 28)) == {"birth_date": 1936}
    assert safe_harbor_row({"birth_date": "1936-02-29"}, columns,
                           extract_on=date(2026, 3, 1)) == {"birth_date": None}


@pytest.mark.parametrize(("extract_on", "age", "birth_year"), [
    (date(2026, 2, 28), 89, 1936), (date(2026, 3, 1), "90 or older", None)])
def test_the_extracts_age_column_and_birth_year_agree_on_a_29_february_birthday(
        extract_on: date, age: object, birth_year: int | None) -> None:
    """The extract's age column and the birth-year rule use one age (one function):
    never an age of 89 beside a birth year removed as 90, nor the reverse."""
    from protocol.rules.research.extract import Method, deidentified, header, stay_rows

    residents = {"R1": {"mrn": "MG1", "birth_date": "1936-02-29", "sex": "female"}}
    stays = [{"resident_id": "R1", "admitted_at": "2025-03-01"}]
    raw = stay_rows(residents, stays, {}, extract_on)
    [row] = deidentified(raw, Method.SAFE_HARBOR, extract_on=extract_on)
    assert tuple(row) == header(Method.SAFE_HARBOR)
    assert (row["age"], row["birth_date"]) == (age, birth_year)


def test_a_relatives_age_is_on_the_extract_date_even_for_a_decedent_resident() -> None:
    columns = (Column("father_birth_date", K.BIRTH_DATE, S.RELATIVE),)
    # the resident died in 2000; the father, born 1931, is 95 on the extract date
    out = safe_harbor_row({"father_birth_date": "1931-05-05"}, columns, extract_on=EXTRACT_ON,
                          died_on=date(2000, 1, 1))
    assert out == {"father_birth_date": None}


@pytest.mark.parametrize(("value", "shown"), [
    ("03601", "000"), ("05901", "000"), ("89301-0001", "000"),  # restricted areas
    ("98101", "981"), ("981011234", "981"), (" 10001 ", "100"),
    ("9810", None), ("98101-12", None), ("ABCDE", None), (98101, None), ("", None),
])
def test_zip3(value: object, shown: str | None) -> None:
    assert zip3(value) == shown


def test_the_restricted_list_is_data() -> None:
    assert len(HHS_RESTRICTED_ZIP3) == 17
    assert parse_restricted_zip3(["036", " 981 "]) == frozenset({"036", "981"})
    assert zip3("98101", parse_restricted_zip3(["981"])) == "000"
    with pytest.raises(ValidationError):
        parse_restricted_zip3(["36"])


def test_unreadable_dates_and_ages_are_removed_not_passed_through() -> None:
    columns = (Column("admitted_on", K.DATE), Column("age", K.AGE))
    assert safe_harbor_row({"admitted_on": "March 14th", "age": "ninety-two"}, columns,
                           extract_on=EXTRACT_ON) == {"admitted_on": None, "age": None}


# --- limited data set ---------------------------------------------------------------------------

AGREEMENT = DataUseAgreement(
    "dua-7", "State University Falls Study", LdsPurpose.RESEARCH,
    permitted_uses="analysis of fall rates by admission year",
    permitted_users="the study team named in appendix A",
    signed_on=date(2026, 9, 1), expires_on=date(2027, 8, 31),
    no_other_use_or_disclosure=True, safeguards=True, reports_other_use=True,
    agents_bound=True, no_identification_or_contact=True)
RECIPIENT = "State University Falls Study"


def test_no_limited_data_set_without_a_data_use_agreement() -> None:
    with pytest.raises(Refused) as refused:
        limited_data_set_row(ROW, COLUMNS, agreement=None, recipient=RECIPIENT,
                             today=EXTRACT_ON)
    assert refused.value.reason == "no_data_use_agreement"


@pytest.mark.parametrize(("agreement", "recipient", "field"), [
    (replace(AGREEMENT, agents_bound=False), RECIPIENT, "agents_bound"),
    (replace(AGREEMENT, permitted_users=""), RECIPIENT, "permitted_users"),
    (replace(AGREEMENT, signed_on=None), RECIPIENT, "signed_on"),
    (replace(AGREEMENT, expires_on=date(2026, 12, 6)), RECIPIENT, "expires_on"),
    (replace(AGREEMENT, terminated_on=date(2026, 12, 1)), RECIPIENT, "terminated_on"),
    (AGREEMENT, "Another University", "recipient"),
])
def test_an_agreement_not_in_force_for_this_recipient_is_refused(
        agreement: DataUseAgreement, recipient: str, field: str) -> None:
    assert [p.field for p in agreement_problems(agreement, recipient=recipient,
                                                today=EXTRACT_ON)] == [field]
    with pytest.raises(Refused) as refused:
        limited_data_set_row(ROW, COLUMNS, agreement=agreement, recipient=recipient,
                             today=EXTRACT_ON)
    assert refused.value.reason == "no_data_use_agreement"


def test_a_limited_data_set_keeps_dates_ages_city_and_zip() -> None:
    out = limited_data_set_row(ROW, COLUMNS, agreement=AGREEMENT, recipient=RECIPIENT,
                               today=EXTRACT_ON)
    assert out == {
        "birth_date": "1935-10-02", "age": 91, "sex": "F", "city": "Alstead", "state": "NH",
        "zip": "03601", "admitted_on": "2024-03-14", "discharged_on": "2026-11-30",
        "daughter_zip": "98101-1234", "daughter_birth_date": "1960-05-05",
        "attending": "Dr. Anil Patel", "diagnosis": "F03.90", "study_code": "S-0042",
        "note": ("[name] fell on 3/14/2026 in [location]; daughter [name] ([removed]) "
                 "notified March 15. Dr. Patel examined. [name], a 91-year-old, born "
                 "10/02/1935. MRN [removed] flagged."),
    }


def test_the_extract_ages_a_decedent_at_death_and_keeps_the_birth_year_while_89_or_less(
        ) -> None:
    """Born 1936-07-19, died 2026-01-10 at 89; on the extract date (2026-12-07) she
    would be 90. The extract's rows carry her age at death, 89, and keep 1936; a
    resident discharged home the same day is aged on the extract date."""
    from protocol.rules.research.extract import Method, deaths, deidentified, stay_rows

    residents = {
        "R1": {"mrn": "MG1", "family_name": "Smith", "birth_date": "1936-07-19", "sex": "female"},
        "R2": {"mrn": "MG2", "family_name": "Jones", "birth_date": "1936-07-19", "sex": "male"},
    }
    stays = [
        {"resident_id": "R1", "admitted_at": "2025-03-01", "discharged_at": "2026-01-10",
         "disposition": "death"},
        {"resident_id": "R1", "admitted_at": "2024-01-05", "discharged_at": "2024-02-01",
         "disposition": "hospital"},  # an earlier stay: also aged at death
        {"resident_id": "R2", "admitted_at": "2025-03-01", "discharged_at": "2026-01-10",
         "disposition": "home"},
    ]
    extract_on = date(2026, 12, 7)
    assert deaths(stays, extract_on) == {"R1": date(2026, 1, 10)}
    assert deaths(stays, date(2026, 1, 9)) == {}  # not dead yet on that day
    raw = stay_rows(residents, stays, {}, extract_on)
    assert [(r["mrn"], r["age"]) for r in raw] == [("MG1", 89), ("MG1", 89), ("MG2", 90)]
    from protocol.rules.research.extract import deaths_by_mrn
    shown = deidentified(raw, Method.SAFE_HARBOR, extract_on=extract_on,
                         died_on=deaths_by_mrn(residents, stays, extract_on))
    assert [(r["birth_date"], r["age"]) for r in shown] == [
        (1936, 89), (1936, 89), (None, "90 or older")]
