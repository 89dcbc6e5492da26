"""What a handler works in: the batch, the facility acting, and its scope rules."""

from __future__ import annotations

import sqlalchemy as sa

from protocol.ops import Reason
from server.storage.batch import Batch, Rec
from server.storage.models import T

from .outcomes import Outcome, not_found, not_owner, rejected


class Context:
    """The batch of one write transaction and the facility whose terminal acts."""

    def __init__(self, batch: Batch, facility_id: str) -> None:
        self.b = batch
        self.facility_id = facility_id

    def transferred_from(self, resident_id: str | None, facility_id: str) -> bool:
        if resident_id is None:
            return False
        row = self.b.conn.execute(sa.select(T.transfers.c.id).where(
            T.transfers.c.resident_id == resident_id,
            T.transfers.c.from_facility_id == facility_id).limit(1)).first()
        return row is not None

    def find(self, rec_id: str, kind: str, detail: str | None = None, *,
             moved_ok: bool = False) -> Rec | Outcome:
        """The record ``rec_id`` if this facility may touch it, else the refusal.

        A record of a resident who moved away from here is ``out_of_scope``
        (administrative changes from the old facility end with the transfer), or
        the record itself when ``moved_ok`` (clinical facts follow the resident).
        Any other record of another facility is ``not_owner``; an id that exists
        nowhere is ``not_found``.
        """
        rec = self.b.get(rec_id, kind)
        if rec is not None and rec.facility_id == self.facility_id:
            return rec
        # Missing and foreign ids both pay for the transfer lookup.
        moved = self.transferred_from(rec.subject_id if rec and rec.subject_id else rec_id,
                                      self.facility_id)
        if rec is None:
            return not_found(detail, target=rec_id)
        if moved:
            return rec if moved_ok else rejected(Reason.OUT_OF_SCOPE, target=rec.id)
        return not_owner(target=rec_id)
