"""Residents transferred out of this facility: what the facility keeps of them.

A transfer moves the resident's whole record to the receiving facility, and the
server tells this facility's terminals to forget it (``gone``). The facility
still answers for the stay it had (a records request, a survey, a call from the
receiving facility), so before the records are forgotten the terminal keeps
who left, their record number and birth date, the stay as it ended and the
chart's other stays (dates, leaves, payers:
:func:`protocol.rules.residents.departures.kept_stay`), where they went, and
the dates of their MDS records, in its encrypted store (``meta`` key
``transferred_out``). The census's "Transferred out" list reads it, and the
reports count the stays of the residence the transfer ended in this facility's
census, and the last in its MDS due list, up to the transfer
(:class:`protocol.rules.residents.departures.TransferOut`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from protocol.records import RecordKind, resident_display_name
from protocol.rules.residents.departures import (
    census_stay,
    kept_assessment,
    kept_stay,
    sent_by,
)

from .database import get_meta, set_meta

KEY = "transferred_out"


def note_departures(conn: Connection,
                    gone: Iterable[tuple[str, str, Mapping[str, Any], str]]) -> None:
    """A pulled page's gone snapshots as (kind, record id, data, the facility
    whose log sent it: this one), in the page's order: keep what a transfer's
    resident, stays and MDS records say. The map is read once and written once
    for the page (it holds every resident ever transferred out: reading and
    rewriting it for each snapshot cost a page of departures as much again for
    each one)."""
    kept: dict[str, dict[str, Any]] = dict(get_meta(conn, KEY, {}))
    changed = False
    for kind, record_id, data, facility_id in gone:
        changed = _note(kept, kind, record_id, data, facility_id=facility_id) or changed
    if changed:
        set_meta(conn, KEY, kept)


def _note(kept: dict[str, dict[str, Any]], kind: str, record_id: str,
          data: Mapping[str, Any], *, facility_id: str) -> bool:
    """One gone snapshot into the map in hand; whether it changed it. Every
    transfer out of this facility is kept (``transfers``, by stay: a resident
    sent away, back, and away again left twice), and the latest as the
    resident's departure; a transfer by another facility that moved with the
    chart (the one that brought the resident back) is only a stay of the chart
    (:func:`~protocol.rules.residents.departures.sent_by`)."""
    if kind == RecordKind.RESIDENT and data.get("_destroyed"):
        return _destroyed(kept, record_id)
    if kind == RecordKind.RESIDENT and data:
        _merge(kept, record_id, {"name": resident_display_name(data),
                                 "mrn": str(data.get("mrn") or ""),
                                 "birth_date": data.get("birth_date")})
        return True
    if kind == RecordKind.STAY and isinstance(data.get("resident_id"), str):
        changed = _keep_stay(kept, data["resident_id"], record_id, data)
        if sent_by(data, facility_id) and not data.get("_destroyed"):
            _keep_transfer(kept, data["resident_id"], record_id, {
                "admitted_at": data.get("admitted_at"), "left_on": data.get("discharged_at"),
                "to_facility_id": data.get("transferred_to"), "stay_id": record_id,
                "stay": kept_stay(data)})
            return True
        return changed
    if kind == RecordKind.ASSESSMENT and isinstance(data.get("resident_id"), str):
        return _keep_assessment(kept, data["resident_id"], record_id, data)
    return False


def _destroyed(kept: dict[str, dict[str, Any]], resident_id: str) -> bool:
    """This facility destroyed the chart of a resident it had transferred out (and
    got back): of what it kept, only what its census reads stays, as the purge at
    the server keeps it (:data:`~protocol.rules.residents.departures.CENSUS_FIELDS`;
    the MDS dates were all it kept of those): no name, record number, birth date,
    nor any stay's free-text destination."""
    facts = kept.get(resident_id)
    if facts is None:
        return False

    kept[resident_id] = {
        **{k: v for k, v in facts.items() if k not in {"name", "mrn", "birth_date"}},
        "name": "", "mrn": "", "birth_date": None, "destroyed": True,
        "stay": census_stay(facts.get("stay")),
        "stays": {i: census_stay(s) for i, s in (facts.get("stays") or {}).items()},
        "transfers": {i: {**t, "stay": census_stay(t.get("stay"))}
                      for i, t in transfers_of(facts).items()}}
    return True


def _keep_transfer(kept: dict[str, dict[str, Any]], resident_id: str, stay_id: str,
                   transfer: dict[str, Any]) -> None:
    """One transfer out of this facility, beside those kept before; the latest
    (by its date, then stay id) is the resident's departure."""
    facts = kept.get(resident_id, {})
    transfers = {**transfers_of(facts), stay_id: transfer}
    latest = max(transfers.values(), key=lambda t: (str(t.get("left_on") or ""),
                                                    str(t.get("stay_id"))))
    kept[resident_id] = {**facts, **latest, "transfers": transfers}


def transfers_of(facts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every transfer out of this facility kept of one resident, by stay id (the
    latest alone for what was kept before every transfer was)."""
    kept = facts.get("transfers")
    if isinstance(kept, Mapping) and kept:
        return {str(k): dict(v) for k, v in kept.items()}
    if facts.get("stay_id"):
        return {str(facts["stay_id"]): {k: facts.get(k) for k in (
            "admitted_at", "left_on", "to_facility_id", "stay_id", "stay")}}
    return {}


def _keep_stay(kept: dict[str, dict[str, Any]], resident_id: str, record_id: str,
               data: Mapping[str, Any]) -> bool:
    """A stay of the chart, as it left (in whatever order the stays arrive): the
    stays of the residence a transfer ended count in this facility's census
    (:func:`protocol.rules.residents.departures.residence`). A stay with no
    admission date, or one a destruction purged (the chart did not leave), is
    nothing to keep."""
    if not data.get("admitted_at") or data.get("_destroyed"):
        return False
    facts = kept.get(resident_id, {})
    kept[resident_id] = {**facts, "stays": {**facts.get("stays", {}),
                                            record_id: kept_stay(data)}}
    return True


def _keep_assessment(kept: dict[str, dict[str, Any]], resident_id: str, record_id: str,
                     data: Mapping[str, Any]) -> bool:
    """An MDS record of a resident this facility transferred out (the server sends
    the stay's transfer first): its dates, for the discharge assessment the
    stay still owes here. Of anyone else, nothing is kept."""
    facts = kept.get(resident_id)
    if not facts or not facts.get("stay_id"):
        return False
    assessments = {**facts.get("assessments", {}), record_id: kept_assessment(data)}
    kept[resident_id] = {**facts, "assessments": assessments}
    return True


def _merge(kept: dict[str, dict[str, Any]], resident_id: str, facts: dict[str, Any]) -> None:
    kept[resident_id] = {**kept.get(resident_id, {}), **facts}


def departures(conn: Connection, *, destroyed: bool = False) -> dict[str, dict[str, Any]]:
    """Every resident transferred out (whose stay's transfer arrived), by id; with
    ``destroyed``, also those whose chart this facility destroyed since (back
    here, then destroyed): their transfers still count in its census, but there
    is no one left to name, list or open a case about."""
    kept: dict[str, dict[str, Any]] = get_meta(conn, KEY, {})
    return {rid: facts for rid, facts in kept.items() if facts.get("to_facility_id")
            and (destroyed or not facts.get("destroyed"))}
