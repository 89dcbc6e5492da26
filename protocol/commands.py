"""Commands, one spec each: the arguments a command takes and the rules
that check them, and what it makes of its record. Stay commands are here;
the records department's (requests, amendments, completeness, retention) are
in :mod:`protocol.rules.records.commands` and are looked up through
:func:`command_spec` too.

The server looks a command up here to validate its payload and to run its
transition (plus the constraints only the database can check: one current
stay per resident, one resident per bed); the terminal looks it up to check a
command before saving it offline and to predict its effect. Adding a command
means one entry here, one transition in :mod:`protocol.rules.residents.stays`, and one
server handler in the server's command registry — a test checks that every
name has all three.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .args import Arg, clean_args
from .errors import SchemaError
from .records import PAYERS
from .records.checks import _bool, _choice, _date, _datetime, _record_id, _text
from .rules.records.commands import RECORDS_COMMANDS, CaseFacts, CaseSpec, Named
from .rules.residents.stays import TRANSITIONS, Transition


class CommandName(StrEnum):
    ADMIT = "admit"
    DISCHARGE = "discharge"
    TRANSFER = "transfer"
    ASSIGN_BED = "assign_bed"
    LEAVE = "leave"
    RETURN = "return"
    CHANGE_PAYER = "change_payer"


DISPOSITIONS = ("home", "hospital", "other_facility", "death", "other")
LEAVE_TYPES = ("hospital", "therapeutic")
ADMISSION_TYPES = ("new", "readmission")


def _date_or_datetime(name: str, value: Any) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``: a leave or return may carry the time."""
    return _datetime(name, value) if "T" in str(value) else _date(name, value)


@dataclass(frozen=True)
class CommandSpec:
    name: CommandName
    args: tuple[Arg, ...]
    transition: Transition
    what: str
    """The command in words, for a clerk: "admit the resident"."""

    def clean_args(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Check every argument; return the cleaned ones (absent optional ones left out)."""
        return clean_args(str(self.name), self.args, args)


_STAY = Arg("stay_id", _record_id, required=True)

COMMANDS: Mapping[CommandName, CommandSpec] = {
    spec.name: spec for spec in (
        CommandSpec(CommandName.ADMIT, (
            _STAY, Arg("resident_id", _record_id, required=True),
            Arg("admitted_at", _date, required=True), Arg("bed_id", _record_id),
            Arg("admission_type", _choice(*ADMISSION_TYPES)), Arg("payer", _choice(*PAYERS)),
        ), TRANSITIONS["admit"], "admit the resident"),
        CommandSpec(CommandName.DISCHARGE, (
            _STAY, Arg("discharged_at", _date, required=True),
            Arg("disposition", _choice(*DISPOSITIONS)),
            Arg("destination", _text(200, allow_empty=True)),
            # MDS: a discharge with return anticipated may be followed by a re-entry.
            Arg("return_anticipated", _bool),
        ), TRANSITIONS["discharge"], "discharge the resident"),
        CommandSpec(CommandName.TRANSFER, (
            _STAY, Arg("to_facility_id", _record_id, required=True),
            Arg("at", _date_or_datetime, required=True),
        ), TRANSITIONS["transfer"], "transfer the resident"),
        CommandSpec(CommandName.ASSIGN_BED, (
            _STAY, Arg("bed_id", _record_id, required=True),
        ), TRANSITIONS["assign_bed"], "assign a bed"),
        CommandSpec(CommandName.LEAVE, (
            _STAY, Arg("leave_type", _choice(*LEAVE_TYPES), required=True),
            Arg("at", _date_or_datetime, required=True), Arg("bed_hold", _bool),
            # A hospital leave the hospital admitted the resident for (an MDS
            # discharge and re-entry), rather than observation.
            Arg("hospital_admission", _bool),
        ), TRANSITIONS["leave"], "record a leave of absence"),
        CommandSpec(CommandName.RETURN, (
            _STAY, Arg("at", _date_or_datetime, required=True),
        ), TRANSITIONS["return"], "record the return from leave"),
        CommandSpec(CommandName.CHANGE_PAYER, (
            _STAY, Arg("payer", _choice(*PAYERS), required=True),
            Arg("on", _date, required=True),
        ), TRANSITIONS["change_payer"], "change the payer"),
    )
}

_NAMES = frozenset(str(name) for name in CommandName)


def command_spec(name: Any) -> CommandSpec | CaseSpec:
    """The spec of a command named on the wire (a stay command or a records
    command); :class:`SchemaError` if unknown."""
    if isinstance(name, str) and name in RECORDS_COMMANDS:
        return RECORDS_COMMANDS[name]
    if not isinstance(name, str) or name not in _NAMES:
        raise SchemaError("unknown command")
    return COMMANDS[CommandName(name)]


def records_command(name: Any) -> CaseSpec | None:
    """The records command of that name, or None for a stay command (or none)."""
    return RECORDS_COMMANDS.get(name) if isinstance(name, str) else None


__all__ = ["COMMANDS", "RECORDS_COMMANDS", "Arg", "CaseFacts", "CaseSpec", "CommandName",
           "CommandSpec", "Named", "command_spec", "records_command"]
