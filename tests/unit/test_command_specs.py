"""Every stay command has one spec: its arguments, its transition and its words."""

from __future__ import annotations

from protocol.commands import COMMANDS, CommandName
from protocol.rules.residents.stays import TRANSITIONS


def test_every_command_has_a_spec_and_a_transition() -> None:
    assert set(COMMANDS) == set(CommandName)
    assert set(TRANSITIONS) == {str(name) for name in CommandName}
    for name, spec in COMMANDS.items():
        assert spec.name is name
        assert spec.transition is TRANSITIONS[str(name)]
        assert any(arg.name == "stay_id" and arg.required for arg in spec.args)
        assert spec.what
