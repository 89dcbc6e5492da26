"""Research and statistics extracts at the terminal: one row per stay of this
facility, de-identified under Safe Harbor or kept as a limited data set under
a recorded data-use agreement, written as CSV.

The extract is checked first by the rule the server applies (a limited data
set without an agreement in force is refused before anything is written),
then written, then recorded — method, purpose, recipient, rows, columns — as
a synced ``record_extract`` command the server audits, and in the terminal's
local audit with the file's path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from protocol.records import RecordKind
from protocol.rules.research.extract import (
    Method,
    deaths_by_mrn,
    deidentified,
    header,
    stay_rows,
    to_csv,
)
from protocol.rules.research.limited_data_set import DataUseAgreement

from ..errors import InputError
from ..store.database import RECORDS, audit
from .area import Area
from .case_reads import shown_rows
from .casework import Casework
from .exported_files import write_owner_only


@dataclass(frozen=True)
class ExtractResult:
    path: Path
    rows: int
    columns: tuple[str, ...]
    extract_id: str


class Extracts(Area):
    """``session.extracts``: CSV extracts for research and statistics."""

    def rows(self, method: Method | str, *, agreement: Mapping[str, Any] | None = None,
             recipient: str = "") -> list[dict[str, Any]]:
        """The extract's rows, de-identified by ``method`` (nothing written)."""
        chosen = Method(method)
        actor = self.actor
        today = actor.clock.today()
        with actor.store.read() as conn:
            rows = shown_rows(conn, conn.execute(sa.select(RECORDS).where(
                RECORDS.c.kind.in_([str(RecordKind.RESIDENT), str(RecordKind.STAY),
                                    str(RecordKind.DIAGNOSIS)]),
                RECORDS.c.facility_id == actor.facility_id)).all())
        residents: dict[str, Mapping[str, Any]] = {}
        stays: list[Mapping[str, Any]] = []
        diagnoses: dict[str, list[str]] = {}
        for row in rows:
            if row.status != "active":
                continue
            data = row.data
            if row.kind == RecordKind.RESIDENT:
                residents[row.id] = data
            elif row.kind == RecordKind.STAY:
                stays.append(data)
            else:
                diagnoses.setdefault(str(data.get("resident_id")), []).append(
                    str(data.get("code")))
        raw = stay_rows(residents, stays, diagnoses, today)
        dua = _agreement(agreement) if agreement else None
        return deidentified(raw, chosen, extract_on=today, agreement=dua, recipient=recipient,
                            died_on=deaths_by_mrn(residents, stays, today),
                            restricted_zip3=Casework(self._actor).profile().restricted_zip3)

    def write(self, method: Method | str, path: Path, *, purpose: str, recipient: str,
              agreement: Mapping[str, Any] | None = None) -> ExtractResult:
        """Check, write the CSV to ``path`` (plaintext: the caller has warned the
        user), then record the extract."""
        chosen = Method(method)
        casework = Casework(self._actor)
        extract_id = casework.new_id()
        args = {"extract_id": extract_id, "made_on": self.actor.clock.today().isoformat(),
                "method": str(chosen), "purpose": purpose, "recipient": recipient,
                "rows": 0, "columns": list(header(chosen)), "agreement": agreement}
        casework.check("record_extract", args)
        rows = self.rows(chosen, agreement=agreement, recipient=recipient)
        data = to_csv(rows, chosen)
        target = Path(path).expanduser()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_owner_only(target, data)
        except OSError as exc:
            raise InputError("path", f"Cannot write {target}: {exc.strerror or exc}.") from None
        casework.command("record_extract", {**args, "rows": len(rows)},
                         summary=f"Extract ({chosen}) for {recipient}")
        actor = self.actor
        with actor.store.write() as conn:
            audit(conn, actor.clock.ms(), "export", actor.user.id, what=f"extract {chosen}",
                  path=str(target), bytes=len(data), purpose=purpose, recipient=recipient)
        return ExtractResult(target, len(rows), header(chosen), extract_id)


def _agreement(raw: Mapping[str, Any]) -> DataUseAgreement:
    from protocol.rules.records.commands.extracts import agreement_arg, agreement_of

    return agreement_of(agreement_arg("agreement", raw))
