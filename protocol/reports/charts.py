"""Which stays of the charts on file a facility counts as its own (docs/rules.md §4.3).

Both loaders hand every stay record of the facility to
:meth:`protocol.reports.facts.FacilityFacts.from_rows`, which asks here which
of them this facility's census counts:

* of a resident on file, the residence the facility holds
  (:func:`~protocol.rules.residents.departures.residence`): the stays that moved
  here with a chart transferred in were the sending facilities';
* of a chart this facility **destroyed** under its retention schedule (§5.13),
  the same residence and those its own transfers out ended (sent away and back),
  from what the purge kept of each stay
  (:data:`~protocol.rules.residents.departures.CENSUS_FIELDS`, status
  ``destroyed``): a past period's census, admissions and discharges do not
  change when the facility later destroys the record. Nothing that says who the
  resident was is left to show: the lists name such a stay
  :data:`DESTROYED_NAME`.

A resident marked entered in error or merged is neither: their stays are left
out, as the rest of their record is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from protocol.merge import DESTROYED
from protocol.rules.residents.departures import residence
from protocol.rules.residents.mds_movements import is_record_error

DESTROYED_NAME = "record destroyed"
"""How a list names the stay of a chart this facility destroyed (its name and
record number went with the purge)."""

Stays = dict[str, Mapping[str, Any]]


def own_stays(stays: Iterable[tuple[str, Mapping[str, Any], str]],
              residents: Mapping[str, Any], facility_id: str) -> tuple[Stays, Stays]:
    """Of the facility's stay records (id, data, status), those its census counts:
    of the residents on file (``residents``), and of the charts it destroyed; each
    the residence the facility held (:func:`residence`), by stay id."""
    on_file: dict[Any, Stays] = defaultdict(dict)
    destroyed: dict[Any, Stays] = defaultdict(dict)
    for stay_id, data, status in stays:
        if is_record_error(data):
            continue
        rid = data.get("resident_id")
        if rid in residents:
            on_file[rid][stay_id] = data
        elif status == DESTROYED and data.get("_destroyed"):
            destroyed[rid][stay_id] = data
    return _held(on_file, facility_id), _held(destroyed, facility_id, sent_here=True)


def _held(charts: Mapping[Any, Stays], facility_id: str, *, sent_here: bool = False
          ) -> Stays:
    """Each chart's residence held here; with ``sent_here``, also each residence
    this facility ended by a transfer it is recorded as sending
    (``transferred_from``): of a chart destroyed here, the stays before it was
    sent away and came back. A terminal enrolled since the destruction knows
    them only from the purged stays (the log's earlier snapshots, the
    transfer's among them, went with the purge); the server and the terminals
    that kept the transfer count them once (:attr:`~protocol.reports.facts.
    FacilityFacts.kept_stays` leaves out a stay counted here)."""
    out: Stays = {}
    for chart in charts.values():
        mine = set(residence(chart, held_by=facility_id))
        if sent_here:
            for stay_id, stay in chart.items():
                if stay.get("status") == "transferred" and \
                        stay.get("transferred_from") == facility_id:
                    mine.update(residence(chart, ended_by=stay_id))
        out.update({stay_id: chart[stay_id] for stay_id in sorted(mine)})
    return out
