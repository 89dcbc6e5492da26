"""A resident's census fields and a bed's occupancy, derived from stays.

The rule itself is shared (:mod:`protocol.rules.residents.census`), so the terminal
predicts exactly what the server derives; this module only hands it the
server's records. :func:`set_census` is called after every stay command and
for a new or transferred-in resident; :func:`bed_view` by the stay commands'
snapshot upkeep.
"""

from __future__ import annotations

from typing import Any

from protocol.rules.residents import census
from server.storage.batch import Rec


def set_census(resident: Rec, stay: Rec | None, bed: Rec | None) -> None:
    """Write the resident's census fields (from its latest stay and that
    stay's bed) into its snapshot."""
    resident.data.update(census.resident_view(
        stay.id if stay else None, stay.data if stay else None,
        bed.data if bed is not None and stay is not None
        and stay.data.get("bed_id") == bed.id else None))


def bed_view(occupant: Rec | None) -> dict[str, Any]:
    """A bed's derived fields from the current stay that holds it, if any."""
    return census.bed_view(occupant.data if occupant else None)
