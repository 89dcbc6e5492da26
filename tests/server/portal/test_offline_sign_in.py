"""A facility's offline sign-in page: the offline window set from the browser
(the same core function as ``set-offline-window``, audited under the
manager's name, sent to terminals with the facility record) and the sign-ins
its terminals reported refusing or failing offline; CSRF and scope hold."""

from __future__ import annotations

import pytest

from protocol.errors import SchemaError
from protocol.terminal_events import EventsRequest, TerminalEvent
from server.errors import ReplayedMessage

pytestmark = pytest.mark.usefixtures("world")


def _report(t, events):
    request = EventsRequest(events)
    return t.service.keep_events(t.info, t.envelope("events", request.to_wire()), request)


async def test_the_window_is_set_in_the_browser(visitor, manager, world, h, engine):
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/offline"
    _, body = await visitor.json(page + ".json")
    assert (body["window_days"], body["refused"]) == (14, [])
    await visitor.get(page)
    status, _ = await visitor.post(page, {"days": "5"}, csrf=False)
    assert status == 403
    status, text = await visitor.post(page, {"days": "0"})
    assert status == 400 and "whole number from 1 to 90" in text and 'value="0"' in text
    status, text = await visitor.post(page, {"days": "5"})
    assert status == 200 and "Offline window set to 5 days" in text
    assert h.record(engine, world.a.id).data["offline_window_days"] == 5
    [entry] = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "admin:set_offline_window"]
    assert (entry.actor, entry.detail) == ("portal:rm_north", {"days": 5})
    other = f"/portal/facilities/{world.b.id}/offline"
    assert (await visitor.response("GET", other)).status == 404
    status, _ = await visitor.post(other, {"days": "5"})
    assert status == 404


async def test_reported_refusals_are_listed_once(visitor, manager, world, terminal):
    t = terminal()
    refused = TerminalEvent(3, 1_700_000_000_000, "sign_in_refused", t.user, "clock_behind")
    failed = TerminalEvent(4, 1_700_000_100_000, "sign_in_failed", t.user, "wrong_password")
    assert _report(t, [refused, failed]) == 4
    assert _report(t, [refused, failed]) == 4  # an answer lost, sent again: kept once
    request = EventsRequest([refused])
    envelope = t.envelope("events", request.to_wire())
    assert t.service.keep_events(t.info, envelope, request) == 4
    with pytest.raises(ReplayedMessage):
        t.service.keep_events(t.info, envelope, request)
    await visitor.sign_in(manager)
    page = f"/portal/facilities/{world.a.id}/offline"
    _, body = await visitor.json(page + ".json")
    assert [(r["kind"], r["reason"], r["username"], r["terminal_name"])
            for r in body["refused"]] == [("failed", "wrong_password", "clerk_MG", "front desk"),
                                          ("refused", "clock_behind", "clerk_MG", "front desk")]
    status, text = await visitor.get(page)
    assert status == 200 and "earlier than a time it had seen" in text


def test_malformed_event_reports_are_refused():
    for bad in ({"events": [{"n": 1, "at": 0, "kind": "launch", "user": None, "reason": None}]},
                {"events": [{"n": 2, "at": 0, "kind": "sign_in_failed", "user": None,
                             "reason": None}] * 2},
                {"events": [], "extra": 1},
                {"events": [{"n": 1, "at": 0, "kind": "sign_in_failed", "user": "x' OR 1",
                             "reason": None}]}):
        with pytest.raises(SchemaError):
            EventsRequest.from_wire(bad)
