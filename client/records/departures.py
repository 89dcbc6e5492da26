"""``session.departures``: the residents transferred out of this facility, with
the facts the facility keeps of them (:mod:`client.store.departures`)."""

from __future__ import annotations

from ..errors import NotFound
from ..store.departures import departures
from ..views import Departure, Page, ResidentRow
from .area import Area
from .directory import Directory


class Departures(Area):
    """Residents transferred out: a list to page and filter, and each one's facts."""

    def _all(self) -> list[Departure]:
        places = {f.id: f.name for f in Directory(self._actor).other_facilities()}
        with self.actor.store.read() as conn:
            kept = departures(conn)
        out = [Departure(resident_id=rid, display_name=str(facts.get("name") or ""),
                         mrn=str(facts.get("mrn") or ""), birth_date=facts.get("birth_date"),
                         admitted_at=facts.get("admitted_at"), left_on=facts.get("left_on"),
                         to_facility=places.get(str(facts.get("to_facility_id")),
                                                "another facility"))
               for rid, facts in kept.items()]
        return sorted(out, key=lambda d: (d.left_on or "", d.display_name), reverse=True)

    def page(self, query: str = "", *, offset: int = 0, limit: int = 50) -> Page[ResidentRow]:
        """Newest departures first, as census rows; ``query`` matches the name,
        the record number or the receiving facility."""
        wanted = query.strip().casefold()
        found = [d for d in self._all() if not wanted or wanted in d.display_name.casefold()
                 or wanted in d.mrn.casefold() or wanted in d.to_facility.casefold()]
        rows = [ResidentRow(id=d.resident_id, mrn=d.mrn, display_name=d.display_name,
                            birth_date=d.birth_date, census_status="transferred",
                            bed_label=None, unit_name=None, admitted_at=d.admitted_at,
                            pending=False)
                for d in found[max(offset, 0):max(offset, 0) + max(limit, 0)]]
        return Page(rows=rows, total=len(found), offset=offset, limit=limit)

    def get(self, resident_id: str) -> Departure:
        found = next((d for d in self._all() if d.resident_id == resident_id), None)
        if found is None:
            raise NotFound("That resident was not transferred out of this facility.")
        return found
