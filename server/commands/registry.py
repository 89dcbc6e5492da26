"""Which handler does what: one table from operation type to handler, one from
stay command to handler. Adding a command means writing its handler and adding
one line here (its payload rules live in :mod:`protocol.ops`).

Every operation handler takes the context, the validated payload and the
operation's author; a test checks that every :class:`~protocol.ops.OpType` and
every :class:`~protocol.ops.CommandName` has exactly one handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from protocol.commands import RECORDS_COMMANDS
from protocol.merge import Author
from protocol.ops import CommandName, OpStatus, OpType

from . import casework, records, stays
from .context import Context
from .outcomes import Outcome

OpHandler = Callable[[Context, Mapping[str, Any], Author], Outcome]
CommandHandler = Callable[[Context, Mapping[str, Any]], Outcome]

STAY_COMMANDS: Mapping[CommandName, CommandHandler] = MappingProxyType({
    CommandName.ADMIT: stays.admit,
    CommandName.DISCHARGE: stays.discharge,
    CommandName.TRANSFER: stays.transfer,
    CommandName.ASSIGN_BED: stays.assign_bed,
    CommandName.LEAVE: stays.leave,
    CommandName.RETURN: stays.return_from_leave,
    CommandName.CHANGE_PAYER: stays.change_payer,
})


def run_command(ctx: Context, payload: Mapping[str, Any], author: Author) -> Outcome:
    """A ``command`` operation: the stay command or records command its payload names."""
    name = str(payload["name"])
    if name in RECORDS_COMMANDS:
        return casework.run(ctx, name, payload["args"], author.user_id)
    outcome = STAY_COMMANDS[CommandName(name)](ctx, payload["args"])
    outcome.audit.setdefault("command", str(payload["name"]))
    if name == CommandName.DISCHARGE and outcome.status is OpStatus.APPLIED:
        review = casework.open_at_discharge(ctx, str(payload["args"]["stay_id"]),
                                            author.user_id)
        if review.target and review.status is OpStatus.APPLIED:
            outcome.audit["completeness_review"] = review.target
    return outcome


OPERATIONS: Mapping[OpType, OpHandler] = MappingProxyType({
    OpType.CREATE: records.create,
    OpType.UPDATE: records.update,
    OpType.COMMAND: run_command,
    OpType.RESOLVE: records.resolve,
    OpType.VOID: records.void,
    OpType.MERGE: records.merge_duplicate,
})
