"""Running records commands the way both sides do: clean, check, effect."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from protocol.commands import RECORDS_COMMANDS, CaseFacts, Named
from protocol.rules.records.profile import FEDERAL_FALLBACK, RecordsProfile

RESIDENT_ID = "01J0000000000000000000RESD"
USER = "01J000000000000000000000Z9"


def ident(n: int) -> str:
    """A record id (26 Crockford characters)."""
    return f"01J{n:023d}"


RESIDENT = Named("resident", RESIDENT_ID, {"family_name": "Okafor", "given_name": "Adaeze",
                                           "birth_date": "1941-03-02", "mrn": "MG-1"})


class Desk:
    """Cases held in memory, changed only by commands (as a store would be)."""

    def __init__(self, today: date, profile: RecordsProfile = FEDERAL_FALLBACK,
                 records: tuple[Named, ...] = (RESIDENT,)) -> None:
        self.today = today
        self.profile = profile
        self.records: dict[str, Named] = {n.id: n for n in records}

    def facts(self) -> CaseFacts:
        about: dict[str, list[Named]] = {}
        for n in self.records.values():
            rid = n.data.get("resident_id")
            if isinstance(rid, str):
                about.setdefault(rid, []).append(n)
        return CaseFacts(today=self.today, profile=self.profile, records=dict(self.records),
                         about={k: tuple(v) for k, v in about.items()})

    def run(self, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
        spec = RECORDS_COMMANDS[name]
        clean = spec.clean_args(args)
        target = clean[spec.target]
        before = self.records.get(target)
        after = spec.apply(dict(before.data) if before else None, clean, self.facts(), USER)
        self.records[target] = Named(str(spec.kind), target, after)
        for kind, rec_id, data in spec.also(clean, after):
            self.records[rec_id] = Named(str(kind), rec_id, data)
        return after

    def cases(self) -> list[Named]:
        return [n for n in self.records.values() if n.kind not in ("resident", "stay", "note")]
