"""The dispatch tables: every operation type and every stay command has exactly
one handler, so a new one cannot be added to the protocol and forgotten here."""

from collections import Counter

import pytest

from protocol.ops import CommandName, OpType
from server.commands.registry import OPERATIONS, STAY_COMMANDS


@pytest.mark.parametrize(("table", "names"), [(OPERATIONS, OpType), (STAY_COMMANDS, CommandName)],
                         ids=["operations", "stay_commands"])
def test_every_name_has_exactly_one_handler(table, names):
    # A mapping holds one handler per key; what can go wrong is a key missing,
    # a stray one, or a plain string standing in for the enum member.
    assert sorted(table) == sorted(names)
    assert all(isinstance(name, names) for name in table)
    assert all(callable(handler) for handler in table.values())


@pytest.mark.parametrize("table", [OPERATIONS, STAY_COMMANDS], ids=["operations", "stay_commands"])
def test_no_handler_serves_two_names(table):
    # Two names sharing one handler would mean one of them does the other's work.
    uses = Counter(id(handler) for handler in table.values())
    assert max(uses.values()) == 1
