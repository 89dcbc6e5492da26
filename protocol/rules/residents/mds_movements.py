"""A resident's MDS movements from Chartkeep's stays, and its MDS records as the
schedule reads them (docs/rules.md §5.2, N4).

The MDS counts movements differently from the census (§4.2): a hospital leave the
hospital **admitted** the resident for is an MDS discharge, return anticipated,
and the return is an entry (a re-entry when within 30 days); hospital
observation and therapeutic leave are no movement at all. So:

- each admission is an entry;
- each leave recorded with ``hospital_admission`` is a discharge (return
  anticipated) on the day it began, and its return an entry;
- a discharge is a discharge (return anticipated as recorded) or, with
  disposition ``death``, a death; a transfer out is a discharge, return not
  anticipated;
- a stay closed because its record was entered in error or merged is no
  movement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protocol.rules.dates import day_of
from protocol.rules.residents.mds import Assessment, AssessmentType, Movement, MovementKind

RECORD_ERRORS = frozenset({"entered_in_error", "merged_duplicate"})
"""Dispositions of a stay closed because its resident record was not a person."""


def is_record_error(stay: Mapping[str, Any]) -> bool:
    return stay.get("disposition") in RECORD_ERRORS


def stay_movements(stay: Mapping[str, Any]) -> list[Movement]:
    """The MDS movements of one stay, in order."""
    admitted = day_of(stay.get("admitted_at"))
    if admitted is None or is_record_error(stay):
        return []
    moves = [Movement(MovementKind.ENTRY, admitted)]
    for leave in stay.get("leaves") or []:
        left = day_of(leave.get("left_at"))
        if not leave.get("hospital_admission") or left is None:
            continue
        moves.append(Movement(MovementKind.DISCHARGE, left, return_anticipated=True))
        back = day_of(leave.get("returned_at"))
        if back is None:
            return moves  # still in hospital (or discharged from there: below)
        moves.append(Movement(MovementKind.ENTRY, back))
    ended = day_of(stay.get("discharged_at"))
    if ended is not None:
        if stay.get("disposition") == "death":
            moves.append(Movement(MovementKind.DEATH, ended))
        else:
            moves.append(Movement(MovementKind.DISCHARGE, ended, return_anticipated=bool(
                stay.get("return_anticipated")) and stay.get("status") != "transferred"))
    return moves


def resident_movements(stays: Iterable[Mapping[str, Any]]) -> list[Movement]:
    """Every MDS movement of one resident's stays, oldest stay first."""
    ordered = sorted((s for s in stays if day_of(s.get("admitted_at")) is not None),
                     key=lambda s: str(s.get("admitted_at")))
    moves: list[Movement] = []
    for stay in ordered:
        moves += stay_movements(stay)
    return moves


def assessment_of(record_id: str, data: Mapping[str, Any]) -> Assessment:
    """An ``assessment`` record as the schedule reads it."""
    return Assessment(
        AssessmentType(data["assessment_type"]), day_of(data.get("ard")),
        day_of(data.get("event_on")), day_of(data.get("determination_on")),
        day_of(data.get("completed_on")), day_of(data.get("caa_on")),
        day_of(data.get("care_plan_on")), day_of(data.get("transmitted_on")), record_id)
