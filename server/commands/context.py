"""What a handler works in: the batch, the facility acting, and its scope rules."""

from __future__ import annotations

import sqlalchemy as sa

from protocol.ops import Reason
from server.storage.batch import Batch, Rec
from server.storage.models import T


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

    def scope_error(self, rec: Rec) -> Reason | None:
        """None when the record is this facility's; else why it may not be touched.

        A record of a resident who moved away is ``out_of_scope`` (administrative
        changes from the old facility end with the transfer); any other record of
        another facility is ``not_owner``.
        """
        if rec.facility_id == self.facility_id:
            return None
        if self.transferred_from(rec.subject_id, self.facility_id):
            return Reason.OUT_OF_SCOPE
        return Reason.NOT_OWNER
