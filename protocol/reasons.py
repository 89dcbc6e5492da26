"""Why an operation was rejected or raised a conflict, with the sentence a
clerk reads for each reason. Shared by the server (which decides) and the
terminal (which refuses at entry what the server would refuse, with the same
reason).
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why an operation was rejected or raised a conflict. Each has a sentence
    for the clerk in :data:`REASON_TEXT`.
    """

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    NOT_PERMITTED = "not_permitted"
    NOT_OWNER = "not_owner"
    """Kept by the server's audit only: a terminal naming another facility's record
    is answered ``not_found``, exactly as for an id that exists nowhere."""
    OUT_OF_SCOPE = "out_of_scope"
    IMMUTABLE = "immutable"
    ALREADY_ADMITTED = "already_admitted"
    NOT_ADMITTED = "not_admitted"
    BED_OCCUPIED = "bed_occupied"
    BED_OUT_OF_SERVICE = "bed_out_of_service"
    ALREADY_IN_BED = "already_in_bed"
    NOT_ON_LEAVE = "not_on_leave"
    RECORD_VOIDED = "record_voided"
    FIELD_CONFLICT = "field_conflict"
    NO_CONFLICT = "no_conflict"
    USER_INACTIVE = "user_inactive"
    SEQ_MISMATCH = "seq_mismatch"
    UPGRADE_REQUIRED = "upgrade_required"
    SERVER_TOO_OLD = "server_too_old"
    DEPENDENCY = "dependency"
    DUPLICATE_MRN = "duplicate_mrn"
    DISCARDED = "discarded"
    """A records manager discarded the change when reviewing what the copies of
    a cloned terminal sent (:mod:`server.core.clone_review`)."""
    ENTRY_VOIDED = "entry_voided"
    """A change to a staff record marked entered in error, or to the entry that
    marks it (:func:`protocol.rules.staffing.corrections.change_problem`): since
    protocol 3; an older terminal is answered ``invalid`` (:func:`understood_by`)."""


REASON_TEXT: dict[str, str] = {
    Reason.INVALID: "The entry breaks a rule; correct the field named and enter it again.",
    Reason.NOT_FOUND: "The record it refers to does not exist on the server.",
    Reason.ALREADY_EXISTS: "A record with this id already exists.",
    Reason.NOT_PERMITTED: "Your role does not allow this change; ask a records manager.",
    Reason.NOT_OWNER: "That bed or record belongs to another facility.",
    Reason.OUT_OF_SCOPE: "The resident is no longer at this facility (transferred); "
                         "clinical notes were kept, administrative changes were not.",
    Reason.IMMUTABLE: "Signed entries cannot be changed; add an amendment instead.",
    Reason.ALREADY_ADMITTED: "The resident was already admitted (another terminal was first); "
                             "open the resident to see the active stay.",
    Reason.NOT_ADMITTED: "The resident has no active stay for this command.",
    Reason.BED_OCCUPIED: "Another resident took that bed first; the resident is awaiting a "
                         "bed — choose a free bed.",
    Reason.BED_OUT_OF_SERVICE: "That bed is out of service; choose another bed.",
    Reason.ALREADY_IN_BED: "The resident already has a bed; transfer them instead.",
    Reason.NOT_ON_LEAVE: "The resident is not on leave.",
    Reason.RECORD_VOIDED: "The record was marked entered-in-error; your change is kept for "
                          "review.",
    Reason.FIELD_CONFLICT: "Someone else changed this field at the same time; both values are "
                           "kept until a records manager chooses.",
    Reason.NO_CONFLICT: "There is no open conflict on that field any more.",
    Reason.USER_INACTIVE: "The user's account was deactivated; the change waits for a "
                          "supervisor's review.",
    Reason.SEQ_MISMATCH: "The server already holds a different change under this number; "
                         "the terminal's store may have been restored from an old copy.",
    Reason.UPGRADE_REQUIRED: "This terminal's software is too old for the server; upgrade it. "
                             "Your changes are kept and will be sent after the upgrade.",
    Reason.SERVER_TOO_OLD: "The server is older than this terminal and cannot take its "
                           "changes yet; they are kept here and will be sent once the server "
                           "is upgraded.",
    Reason.DUPLICATE_MRN: "Another resident of this facility already has this record number "
                          "(the server handed it out again after a restore); register the "
                          "resident again to get a new number.",
    Reason.DEPENDENCY: "The record this change refers to was itself rejected; see that "
                       "change (named here) and enter both again once it is corrected.",
    Reason.DISCARDED: "This terminal's disk was copied to another machine; a records manager "
                      "compared both copies' changes and discarded this one.",
    Reason.ENTRY_VOIDED: "This entry was marked entered in error (or is the entry that marks "
                         "another one so) and can no longer be changed; add the right entry "
                         "anew.",
}

def waits_for_held(cause: str | None = None) -> str:
    """The sentence for a change held because a record it names is created by a
    change that is itself held (``cause``, that change's summary, when known).

    The server answers it ``held`` ``user_inactive`` with ``depends_on`` naming
    the held create: every terminal knows that reason, and a reason of its own
    would need a new protocol version. So :data:`REASON_TEXT`'s "deactivated"
    sentence does not describe it: a terminal shows this one when ``depends_on``
    is set, and the server's reviewers read the same."""
    which = f" ({cause})" if cause else ""
    return (f"It refers to a record whose creating change{which} is itself held for a "
            "supervisor's review; it waits until that change is approved, then for its "
            "own review.")


NEWER_REASONS: dict[str, tuple[int, Reason]] = {
    Reason.ENTRY_VOIDED: (3, Reason.INVALID),
}
"""Reasons added after protocol 1: the sync protocol version from which a
terminal knows each, and the reason a terminal of an older protocol is answered
instead (it shows that reason's sentence and the server's detail, which says the
same in words). Every reason not listed is known from protocol 1."""


def understood_by(reason: str | None, protocol: int) -> str | None:
    """The reason to answer a terminal that speaks ``protocol`` with: ``reason``
    itself, or, for one newer than that terminal, the reason it knows instead."""
    newer = NEWER_REASONS.get(reason) if reason is not None else None
    if newer is None or protocol >= newer[0]:
        return reason
    return newer[1]


class Flag(StrEnum):
    """What the server noted about a change it applied (or answered): each has
    a sentence for the clerk in :data:`FLAG_TEXT`."""

    CLOCK_SKEW = "clock_skew"
    RELINKED = "relinked"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    ADMITTED_WITHOUT_BED = "admitted_without_bed"
    MOVED_WITH_RESIDENT = "moved_with_resident"
    DOCUMENTED_AFTER_DISCHARGE = "documented_after_discharge"
    REVIEWED = "reviewed"


FLAG_TEXT: dict[str, str] = {
    Flag.CLOCK_SKEW: "This terminal's clock was off when the change was made; the server "
                     "kept the order in which changes happened.",
    Flag.RELINKED: "The note named a stay that is not the resident's; it was filed under the "
                   "resident's current stay.",
    Flag.POSSIBLE_DUPLICATE: "The resident may already be registered; a records manager "
                             "will compare the two (Duplicates, F7).",
    Flag.ADMITTED_WITHOUT_BED: "Admitted without a bed (the bed was taken first); choose a "
                               "free bed (b).",
    Flag.MOVED_WITH_RESIDENT: "The resident had been transferred; the entry went with them to "
                              "the receiving facility.",
    Flag.DOCUMENTED_AFTER_DISCHARGE: "The note's time is after the resident's discharge; it "
                                     "is marked as documented late.",
    Flag.REVIEWED: "A supervisor reviewed the change before it was applied.",
}


def flag_text(flag: str) -> str:
    """The clerk's sentence for a result flag (an unknown flag is named as it came)."""
    return FLAG_TEXT.get(flag, f"The server noted: {flag.replace('_', ' ')}.")
