"""How values are shown to clerks: words for codes, colour always with text.

Every function returns :class:`rich.text.Text` built from plain strings, so a
resident named "Smith [Jr]" is shown exactly as typed and never parsed as markup.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rich.text import Text

from protocol.reasons import flag_text
from protocol.rules.staffing.licenses import Band, Expiry

CENSUS_STATUS = {
    "in_house": ("In house", "status-in-house"),
    "on_leave": ("On leave", "status-leave"),
    "in_hospital": ("In hospital", "status-hospital"),
    "awaiting_bed": ("Awaiting bed", "status-awaiting"),
    "discharged": ("Discharged", "status-discharged"),
    "pre_admission": ("Pre-admission", "status-pre"),
    "transferred": ("Transferred", "status-discharged"),
}

_STATUS_STYLE = {
    "status-in-house": "green",
    "status-leave": "yellow",
    "status-hospital": "magenta",
    "status-awaiting": "bold dark_orange",
    "status-discharged": "dim",
    "status-pre": "cyan",
}

BED_STATE = {
    "occupied": ("Occupied", "bold blue"),
    "free": ("Free", "bold green"),
    "held": ("Held", "bold yellow"),
    "out_of_service": ("Out of service", "dim red"),
}

LICENSE_STYLE = {
    "expired": "bold white on red",
    "needs_verification": "bold red",
    "due_30": "bold red",
    "due_60": "dark_orange",
    "due_90": "yellow",
    "current": "green",
    "none": "dim",
}

OP_STATUS = {
    "pending": ("Waiting to sync", "yellow"),
    "applied": ("Saved on server", "green"),
    "conflict": ("Conflict", "bold dark_orange"),
    "rejected": ("Rejected", "bold red"),
    "held": ("Held for review", "magenta"),
}

NEXT_STEP = {
    "bed_occupied": "Open the resident and choose a free bed (b).",
    "bed_out_of_service": "Open the resident and choose another bed (b).",
    "already_admitted": "Open the resident to see the active stay.",
    "already_in_bed": "Open the resident and transfer them instead.",
    "not_admitted": "Admit the resident first (a on the resident screen).",
    "not_on_leave": "Check the resident's stays; they are not on leave.",
    "invalid": "Enter the change again with the field corrected.",
    "not_permitted": "Ask a records manager to make this change.",
    "immutable": "Add an amendment to the note instead (m).",
    "field_conflict": "Resolve the conflict on the Sync screen (F5).",
    "upgrade_required": "Ask for the terminal to be upgraded; nothing is lost.",
    "user_inactive": "A supervisor will review the change.",
    "record_voided": "A records manager will review the change.",
    "dependency": "Correct the rejected change it names first, then enter this one again.",
    "duplicate_mrn": "Register the resident again; a new record number is given.",
    "server_too_old": "Nothing to do: it is sent once the server is upgraded.",
}


def plain(value: Any) -> Text:
    """Any value as text, exactly as typed (``None`` shows as an empty cell)."""
    return Text("" if value is None else str(value))


def census_status(status: str) -> Text:
    label, cls = CENSUS_STATUS.get(status, (status.replace("_", " ").capitalize(), ""))
    return Text(label, style=_STATUS_STYLE.get(cls, ""))


STAY_STATUS = {
    "active": "In the facility",
    "on_leave": "On leave",
    "discharged": "Discharged",
    "transferred": "Transferred out",
}
LEAVE_WORDS = {"hospital": "in hospital", "therapeutic": "therapeutic leave"}


def stay_status(status: str | None, leave_type: str | None) -> Text:
    """A stay's state in plain words: "On leave — in hospital", "In the facility".

    The leave type is the current leave's; after the return it no longer applies.
    """
    if not status:
        return Text("")
    label = STAY_STATUS.get(status, status.replace("_", " ").capitalize())
    if status == "on_leave" and leave_type:
        label += f" — {LEAVE_WORDS.get(leave_type, leave_type.replace('_', ' '))}"
    return Text(label, style="yellow" if status == "on_leave" else "")


def bed_state(state: str) -> Text:
    label, style = BED_STATE.get(state, (state, ""))
    return Text(label, style=style)


def license_state(state: str, days_left: int | None) -> Text:
    """A license band in words, with the days left where they matter
    ("8 days left", "expired 3 days ago")."""
    if state == "none":
        label = "No license on file"
    elif state == "entered_in_error":
        label = "Entered in error"
    elif state == "current":
        label = "Current"
    else:
        label = Expiry(Band(state), days_left).words.capitalize()
    return Text(label, style=LICENSE_STYLE.get(state, ""))


def op_status(status: str) -> Text:
    label, style = OP_STATUS.get(status, (status, ""))
    return Text(label, style=style)


def answer_notes(flags: tuple[str, ...]) -> str:
    """What the server noted about an answered change, in sentences."""
    return " ".join(flag_text(flag) for flag in flags)


def next_step(reason: str | None) -> str:
    return NEXT_STEP.get(reason or "", "")


def when(value: date | datetime | str | None, *, today: date | None = None) -> str:
    """A date or time as a clerk reads it: ``14:05`` today, ``2026-03-02 14:05`` before."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        if today is not None and value.date() == today:
            return value.strftime("%H:%M")
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def count(number: int, singular: str, plural: str | None = None) -> str:
    word = singular if number == 1 else (plural or singular + "s")
    return f"{number:,} {word}"
