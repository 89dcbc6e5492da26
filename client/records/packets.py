"""The release packet at the terminal: the cover sheet and the chosen parts of
the resident's record, as PDF (:mod:`protocol.reports.release_packet`).

What goes with released notes is the rule's (accepted amendments, a denial with
the statement of disagreement and the rebuttal), read from this terminal's
amendment requests. The file is plaintext outside the encrypted store, so it is
written only on an explicit call and recorded in the local audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from protocol.commands import Named
from protocol.records import RecordKind, resident_display_name
from protocol.reports.release_packet import PART_TITLES, Entry, Packet, Part, parts_of, to_pdf
from protocol.rules.records.commands.amendments import attachments_of

from ..errors import InputError
from ..store.database import audit
from .casework import Casework
from .exported_files import write_owner_only


def _entries(kind: str, items: Iterable[Named], names: Mapping[str, str]) -> tuple[Entry, ...]:
    out = []
    for n in items:
        d = n.data
        if kind == "notes":
            title = str(d.get("category") or "note")
            if d.get("amends"):
                title += f" (amends entry {d['amends']})"
            out.append(Entry(str(d.get("clinical_time") or ""), title, str(d.get("body") or ""),
                             names.get(str(d.get("_author")), "")))
        elif kind == "diagnoses":
            out.append(Entry(str(d.get("onset_date") or ""), str(d.get("code") or ""),
                             f"{d.get('description', '')} ({d.get('status') or 'active'})"))
        elif kind == "stays":
            out.append(Entry(str(d.get("admitted_at") or ""), "admission",
                             f"discharged {d.get('discharged_at') or '—'}"
                             f" ({d.get('disposition') or d.get('status') or ''})"))
        elif kind == "assessments":
            out.append(Entry(str(d.get("ard") or d.get("event_on") or ""),
                             str(d.get("assessment_type") or ""),
                             f"completed {d.get('completed_on') or '—'}"))
    return tuple(sorted(out, key=lambda e: e.when))


_KIND = {"notes": RecordKind.NOTE, "diagnoses": RecordKind.DIAGNOSIS,
         "stays": RecordKind.STAY, "assessments": RecordKind.ASSESSMENT}


def write_packet(casework: Casework, request_id: str, path: Path, *, parts: Iterable[str],
                 entry_ids: Iterable[str] = (), released_on: str | None = None,
                 user_names: Mapping[str, str] | None = None) -> Path:
    """Write the packet of a request; ``entry_ids`` narrows the notes released
    (all of the resident's notes when empty)."""
    request = casework.case(request_id)
    if request is None or request.kind != RecordKind.RECORD_REQUEST:
        raise InputError("request_id", "That request for records is not at this terminal.")
    d = request.data
    chosen = parts_of(list(parts))
    if not chosen:
        raise InputError("parts", "Choose at least one part: " + ", ".join(PART_TITLES) + ".")
    resident_id = str(d["resident_id"])
    resident = casework.case(resident_id)
    about = casework.about(resident_id)
    wanted = set(entry_ids)
    built = []
    for code in chosen:
        items = [n for n in about if n.kind == _KIND[code] and n.status == "active"]
        if code == "notes" and wanted:
            items = [n for n in items if n.id in wanted]
        built.append(Part(PART_TITLES[code], _entries(code, items, user_names or {})))
    released_notes = [n.id for n in about if n.kind == RecordKind.NOTE
                      and (not wanted or n.id in wanted)] if "notes" in chosen else []
    amendments = [n for n in about if n.kind == RecordKind.AMENDMENT_REQUEST]
    rdata: Mapping[str, Any] = resident.data if resident else {}
    actor = casework.actor
    packet = Packet(
        facility=_facility_name(casework), resident=resident_display_name(rdata),
        mrn=str(rdata.get("mrn") or ""), birth_date=str(rdata.get("birth_date") or ""),
        requester=str(d.get("requester")), authority=str(d.get("authority")),
        asked_for=str(d.get("what")), purpose=str(d.get("why") or ""),
        received_at=str(d.get("received_at")).replace("T", " "),
        released_on=released_on or actor.clock.today().isoformat(),
        produced_at=actor.clock.now().strftime("%Y-%m-%d %H:%M"), parts=tuple(built),
        attachments=tuple(attachments_of(amendments, released_notes)))
    data = to_pdf(packet)
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_owner_only(target, data)
    except OSError as exc:
        raise InputError("path", f"Cannot write {target}: {exc.strerror or exc}.") from None
    with actor.store.write() as conn:
        audit(conn, actor.clock.ms(), "export", actor.user.id, what=f"release packet {request_id}",
              path=str(target), bytes=len(data), recipient=packet.requester)
    return target


def _facility_name(casework: Casework) -> str:
    facility = casework.case(casework.actor.facility_id)
    return str(facility.data.get("name") or "") if facility else ""
