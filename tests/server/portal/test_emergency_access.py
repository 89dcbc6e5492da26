"""Emergency ("break the glass") accesses reported by a terminal: written into the
facility's audit chain (high priority, the reason, the resident), counted "to
review" on the dashboard and the facility page, reviewed by the regional manager
with a note (itself an audit entry, once); numbers are kept per kind group, so
an access an older server refused can still arrive after later sign-in events;
CSRF and scope hold."""

from __future__ import annotations

import pytest

from protocol.errors import SchemaError
from protocol.ids import new_id
from protocol.terminal_events import EMERGENCY_ACCESS, EventsRequest, TerminalEvent

pytestmark = pytest.mark.usefixtures("world")

REASON = "Resident fell at 02:10; nurse needs the allergy list and the DNR status"


def _report(t, events):
    request = EventsRequest(events)
    return t.service.keep_events(t.info, t.envelope("events", request.to_wire()), request)


async def test_an_access_is_audited_counted_and_reviewed_once(visitor, manager, world,
                                                              terminal, h, engine):
    t = terminal()
    rid, create = h.new_resident(t, family="Quillfeather", given="Ada", mrn="MG-0042")
    t.push([create])
    refused = TerminalEvent(7, 1_700_000_000_000, "sign_in_refused", t.user,
                            "offline_window_expired")
    access = TerminalEvent(6, 1_700_000_060_000, EMERGENCY_ACCESS, t.user, REASON, rid)
    assert _report(t, [refused]) == 7
    # sent after a later sign-in event (an older server had refused it): still kept
    assert _report(t, [access]) == 6
    assert _report(t, [access]) == 6  # an answer lost, sent again: kept once
    [entry] = [a for a in h.audit_rows(engine, chain=world.a.id)
               if a.action == "terminal:emergency_access"]
    # Its purpose of use is the emergency (the security scheme's purposes: treatment,
    # operations, compliance inspection, emergency), not the sign-in events' "security".
    assert (entry.actor, entry.target, entry.purpose) == (f"emergency:{t.user}", rid, "emergency")
    assert entry.detail["priority"] == "high" and entry.detail["reason"] == REASON

    await visitor.sign_in(manager)
    _, dashboard = await visitor.json("/portal.json")
    rows = {f["id"]: f["emergency_to_review"] for f in dashboard["facilities"]}
    assert rows == {world.a.id: 1}  # the manager oversees Maple Grove only
    status, text = await visitor.get("/portal")
    assert status == 200 and "Emergency access: 1 to review" in text
    _, text = await visitor.get(f"/portal/facilities/{world.a.id}")
    assert "1 to review" in text

    page = f"/portal/facilities/{world.a.id}/emergency"
    _, body = await visitor.json(page + ".json")
    [shown] = body["to_review"]
    assert (shown["username"], shown["mrn"], shown["reason"]) == ("clerk_MG", "MG-0042", REASON)
    form = f"{page}/{shown['seq']}"
    status, text = await visitor.get(page)
    assert status == 200 and REASON in text and "MG-0042" in text
    status, _ = await visitor.post(form, {"note": "Checked with the DON."}, csrf=False)
    assert status == 403
    status, text = await visitor.post(form, {"note": "   "})
    assert status == 400 and "a note is required" in text
    # A NUL in the note: the page again, the note kept (the NUL shown as ␀) beside
    # the error, nothing reviewed.
    status, text = await visitor.post(form, {"note": "Checked\x00 with the DON."})
    assert status == 400 and "Note must not contain NUL characters" in text
    assert "<title>Please check the form" not in text and REASON in text
    note = f'aria-describedby="note-error-{shown["seq"]}">Checked\u2400 with the DON.</textarea>'
    assert note in text
    status, text = await visitor.post(form, {"note": "Checked with the DON: needed."})
    assert status == 200 and "marked reviewed" in text
    status, text = await visitor.post(form, {"note": "again"})
    assert status == 400 and "already been reviewed" in text
    _, body = await visitor.json(page + ".json")
    assert body["to_review"] == []
    [done] = body["reviewed"]
    assert (done["reviewed_by"], done["note"]) == ("portal:rm_north",
                                                   "Checked with the DON: needed.")
    [review] = [a for a in h.audit_rows(engine, chain=world.a.id)
                if a.action == "portal:emergency_access_reviewed"]
    assert (review.actor, review.target, review.detail) == (
        "portal:rm_north", rid, {"access": shown["seq"], "note": "Checked with the DON: needed."})
    _, dashboard = await visitor.json("/portal.json")
    assert {f["id"]: f["emergency_to_review"] for f in dashboard["facilities"]}[world.a.id] == 0

    other = f"/portal/facilities/{world.b.id}/emergency"
    assert (await visitor.response("GET", other)).status == 404
    status, _ = await visitor.post(f"{other}/{shown['seq']}", {"note": "x"})
    assert status == 404


def test_the_wire_bounds_an_emergency_access():
    event = TerminalEvent(1, 0, EMERGENCY_ACCESS, new_id(), REASON, new_id()).to_wire()
    assert EventsRequest.from_wire({"events": [event]}).events[0].reason == REASON
    # the other kinds keep the fields older servers take
    assert "resident" not in TerminalEvent(1, 0, "sign_in_failed", None, "x").to_wire()
    for bad in ({**event, "reason": "x" * 301}, {**event, "resident": None},
                {**event, "reason": None}, {**event, "user": None},
                {**event, "kind": "sign_in_refused"}):
        with pytest.raises(SchemaError):
            EventsRequest.from_wire({"events": [bad]})
