"""What this facility's census keeps of the charts it destroyed (docs/rules.md §4.3,
§5.13).

A destruction carried out purges the record at the server, and every terminal of
the facility forgets it (``gone``). The facility's census of the years the
resident was here must not change: the server keeps of each stay what a census
reads (:data:`protocol.rules.residents.departures.CENSUS_FIELDS`, status
``destroyed``), and so does the terminal, from the purged snapshot the server
sends as the stay's ``gone`` (``meta`` key ``destroyed_stays``). Nothing else of
the record is kept: no name, record number, bed or destination; the lists show
such a stay as "record destroyed" (:mod:`protocol.reports.charts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from protocol.records import RecordKind
from protocol.rules.residents.departures import census_stay

from .database import get_meta, set_meta

KEY = "destroyed_stays"


def note_destroyed(conn: Connection, gone: Iterable[tuple[str, str, Mapping[str, Any], str]],
                   facility_id: str) -> None:
    """Of a pulled page's gone snapshots (kind, record id, data, the facility whose
    log sent it), keep the stays a destruction of this facility purged: the
    purged form alone, whatever else the snapshot held. Read and written once
    for the page, and only when it holds one."""
    found = {record_id: {**census_stay(data),
                         "_destroyed": data["_destroyed"]}
             for kind, record_id, data, sent_by in gone
             if kind == RecordKind.STAY and sent_by == facility_id
             and isinstance(data.get("_destroyed"), Mapping) and data.get("admitted_at")}
    if found:
        set_meta(conn, KEY, {**get_meta(conn, KEY, {}), **found})


def destroyed_stays(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every stay kept of a chart this facility destroyed, by id (status
    :data:`~protocol.merge.DESTROYED`, as the server keeps it)."""
    return {str(stay_id): dict(data) for stay_id, data in get_meta(conn, KEY, {}).items()}
