"""Why a records-department rule refuses something, with the sentence a clerk
reads for each reason.

These are the ``code`` of the :class:`~protocol.errors.Refused` errors that
the records rules raise (field-level problems are
:class:`~protocol.errors.ValidationError`, code ``invalid``). They live apart
from :class:`protocol.reasons.Reason` until the server and terminal sides of
the records work wire them in.
"""

from __future__ import annotations

from enum import StrEnum


class RecordsReason(StrEnum):
    EXTENSION_ALREADY_GIVEN = "extension_already_given"
    EXTENSION_NOTICE_LATE = "extension_notice_late"
    NO_EXTENSION = "no_extension"
    AUTHORIZATION_INVALID = "authorization_invalid"
    DENIAL_GROUND_UNAVAILABLE = "denial_ground_unavailable"
    RETENTION_NOT_ENDED = "retention_not_ended"
    ON_LEGAL_HOLD = "on_legal_hold"
    NO_DATA_USE_AGREEMENT = "no_data_use_agreement"
    NOT_DISCHARGED = "not_discharged"


RECORDS_REASON_TEXT: dict[str, str] = {
    RecordsReason.EXTENSION_ALREADY_GIVEN:
        "This request was already extended once; the law allows only one extension.",
    RecordsReason.EXTENSION_NOTICE_LATE:
        "An extension notice must be given within the first period; this one is too late "
        "and does not move the due date.",
    RecordsReason.NO_EXTENSION:
        "A resident's own inspection or copies cannot be extended.",
    RecordsReason.AUTHORIZATION_INVALID:
        "The authorization is not valid under HIPAA; the missing elements are listed.",
    RecordsReason.DENIAL_GROUND_UNAVAILABLE:
        "That ground cannot be used to deny this amendment.",
    RecordsReason.RETENTION_NOT_ENDED:
        "The record's retention period has not ended; it cannot be destroyed yet.",
    RecordsReason.ON_LEGAL_HOLD:
        "The record is on legal hold; nothing on hold may be destroyed.",
    RecordsReason.NO_DATA_USE_AGREEMENT:
        "A limited data set needs a recorded, valid data-use agreement with this recipient.",
    RecordsReason.NOT_DISCHARGED:
        "The stay was not discharged on that date, so there is no discharge to review.",
}
