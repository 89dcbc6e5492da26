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

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from protocol.records import RecordKind, resident_display_name
from protocol.rules.residents.departures import kept_assessment, kept_stay, sent_by

from .database import get_meta, set_meta

KEY = "transferred_out"


def note_departure(conn: Connection, kind: str, record_id: str,
                   data: Mapping[str, Any], *, facility_id: str) -> None:
    """A gone snapshot of this facility (``facility_id``) arrived: keep what a
    transfer's resident and stays say. Every transfer out of this facility is
    kept (``transfers``, by stay: a resident sent away, back, and away again left
    twice), and the latest as the resident's departure; a transfer by another
    facility that moved with the chart (the one that brought the resident back)
    is only a stay of the chart (:func:`~protocol.rules.residents.departures.sent_by`)."""
    if kind == RecordKind.RESIDENT and data:
        _merge(conn, record_id, {"name": resident_display_name(data),
                                 "mrn": str(data.get("mrn") or ""),
                                 "birth_date": data.get("birth_date")})
    elif kind == RecordKind.STAY and isinstance(data.get("resident_id"), str):
        _keep_stay(conn, data["resident_id"], record_id, data)
        if sent_by(data, facility_id) and not data.get("_destroyed"):
            _keep_transfer(conn, data["resident_id"], record_id, {
                "admitted_at": data.get("admitted_at"), "left_on": data.get("discharged_at"),
                "to_facility_id": data.get("transferred_to"), "stay_id": record_id,
                "stay": kept_stay(data)})
    elif kind == RecordKind.ASSESSMENT and isinstance(data.get("resident_id"), str):
        _keep_assessment(conn, data["resident_id"], record_id, data)


def _keep_transfer(conn: Connection, resident_id: str, stay_id: str,
                   transfer: dict[str, Any]) -> None:
    """One transfer out of this facility, beside those kept before; the latest
    (by its date, then stay id) is the resident's departure."""
    kept: dict[str, dict[str, Any]] = dict(get_meta(conn, KEY, {}))
    facts = kept.get(resident_id, {})
    transfers = {**transfers_of(facts), stay_id: transfer}
    latest = max(transfers.values(), key=lambda t: (str(t.get("left_on") or ""),
                                                    str(t.get("stay_id"))))
    kept[resident_id] = {**facts, **latest, "transfers": transfers}
    set_meta(conn, KEY, kept)


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


def _keep_stay(conn: Connection, resident_id: str, record_id: str,
               data: Mapping[str, Any]) -> None:
    """A stay of the chart, as it left (in whatever order the stays arrive): the
    stays of the residence a transfer ended count in this facility's census
    (:func:`protocol.rules.residents.departures.residence`). A stay with no
    admission date, or one a destruction purged (the chart did not leave), is
    nothing to keep."""
    if not data.get("admitted_at") or data.get("_destroyed"):
        return
    kept: dict[str, dict[str, Any]] = dict(get_meta(conn, KEY, {}))
    facts = kept.get(resident_id, {})
    kept[resident_id] = {**facts, "stays": {**facts.get("stays", {}),
                                            record_id: kept_stay(data)}}
    set_meta(conn, KEY, kept)


def _keep_assessment(conn: Connection, resident_id: str, record_id: str,
                     data: Mapping[str, Any]) -> None:
    """An MDS record of a resident this facility transferred out (the server sends
    the stay's transfer first): its dates, for the discharge assessment the
    stay still owes here. Of anyone else, nothing is kept."""
    kept: dict[str, dict[str, Any]] = dict(get_meta(conn, KEY, {}))
    facts = kept.get(resident_id)
    if not facts or not facts.get("stay_id"):
        return
    assessments = {**facts.get("assessments", {}), record_id: kept_assessment(data)}
    kept[resident_id] = {**facts, "assessments": assessments}
    set_meta(conn, KEY, kept)


def _merge(conn: Connection, resident_id: str, facts: dict[str, Any]) -> None:
    kept: dict[str, dict[str, Any]] = dict(get_meta(conn, KEY, {}))
    kept[resident_id] = {**kept.get(resident_id, {}), **facts}
    set_meta(conn, KEY, kept)


def departures(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every resident transferred out (whose stay's transfer arrived), by id."""
    kept: dict[str, dict[str, Any]] = get_meta(conn, KEY, {})
    return {rid: facts for rid, facts in kept.items() if facts.get("to_facility_id")}
