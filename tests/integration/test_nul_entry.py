"""The terminal refuses a NUL character at entry by the rule the server applies
(:data:`protocol.schema.NUL_REFUSED`), with the field named and nothing queued;
a change holding one that an older terminal queued anyway is rejected
``invalid`` at the server, shown at the terminal, and blocks nothing after it."""

from __future__ import annotations

import pytest

from client.errors import InputError

from .conftest import Org, inject_raw_op, op, resident

NUL = "\x00"


def test_a_nul_is_refused_at_entry_with_the_field_named(org: Org) -> None:
    rm = org.terminal(org.a, "rm.MG")
    rid = rm.residents.register(resident())
    queued = len(rm.outbox.operations())
    with pytest.raises(InputError) as refused:
        rm.residents.register(resident(family_name="Oka" + NUL + "for"))
    assert (refused.value.field, refused.value.reason) == ("family_name", "invalid")
    assert str(refused.value) == "Family name must not contain NUL characters."
    with pytest.raises(InputError) as refused:
        rm.residents.update(rid, {"phone": "555" + NUL})
    assert refused.value.field == "phone"
    with pytest.raises(InputError) as refused:
        rm.residents.void(rid, "registered twice" + NUL)
    assert refused.value.field == "reason"
    assert len(rm.outbox.operations()) == queued
    assert rm.residents.census("Oka" + NUL).rows == []  # a search is only a search
    assert rm.sync().error is None


def test_a_nul_an_older_terminal_sent_is_rejected_and_blocks_nothing(org: Org) -> None:
    clerk = org.terminal(org.a, "clerk.MG")
    rid = clerk.residents.register(resident())
    assert clerk.sync().error is None
    bad = inject_raw_op(clerk, "update", {"kind": "resident", "id": rid,
                                          "changes": {"phone": ["555" + NUL, 1]}})
    after = clerk.residents.update(rid, {"address": "14 Elm Street"})
    assert clerk.sync().error is None
    assert (op(clerk, bad).status, op(clerk, bad).reason) == ("rejected", "invalid")
    assert op(clerk, bad).detail == "phone: must not contain NUL characters"
    assert op(clerk, after).status == "applied"
    data = org.server_records(org.a)[("resident", rid)]["data"]
    assert (data["phone"], data["address"]) == ("555-0100", "14 Elm Street")
