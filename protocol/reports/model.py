"""A report as rows and metadata: what the PDF, CSV and JSON of one report share.

Every figure is formatted once, here and in the definitions (numbers rounded half
up to 2 decimals, a value with no denominator left empty: docs/rules.md §0.4), so
the three files show the same text and a test can read a PDF's figures back and
find them in the CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from protocol.rules.calendar import round_half_up


def figure(value: Decimal | int | float | None) -> str:
    """A number as reports print it: 2 decimals half up; no value → empty."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return str(round_half_up(value))


def day_text(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    numeric: bool = False
    width: float = 1.0
    """Relative width in the PDF."""


@dataclass(frozen=True)
class ReportMeta:
    """Where and when a report was produced."""

    produced_at: str
    """Local date and time, ``YYYY-MM-DD HH:MM``."""
    data_as_of: str
    """A terminal: its last successful sync; the server: its latest change."""
    produced_by: str = ""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    facility_id: str
    facility_name: str
    state_code: str
    start: date
    end: date
    profile: str
    """The staffing profile in force, with "informational" when it is."""
    day_start: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    meta: ReportMeta
    summary: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    failing: frozenset[int] = field(default=frozenset())
    """Indexes of rows that show a failure (printed in red)."""
    context: str = ""
    """What the page header says after the period, for a report that is not about
    staffing (a budget); empty: the staffing profile and the facility's day."""

    @property
    def period(self) -> str:
        return (self.start.isoformat() if self.start == self.end
                else f"{self.start.isoformat()} to {self.end.isoformat()}")

    def header_lines(self) -> list[str]:
        """What every page says: facility, period, profile, when and from what data."""
        return [
            f"{self.facility_name} ({self.state_code}) — {self.title}",
            (f"Period {self.period} · {self.context}" if self.context else
             f"Period {self.period} · staffing profile {self.profile} · facility day starts "
             f"at {self.day_start}"),
            f"Produced {self.meta.produced_at}"
            + (f" by {self.meta.produced_by}" if self.meta.produced_by else "")
            + f" · data as of {self.meta.data_as_of or 'unknown'}",
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.name, "title": self.title,
            "facility": {"id": self.facility_id, "name": self.facility_name,
                         "state": self.state_code},
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "profile": self.profile, "day_start": self.day_start,
            "produced_at": self.meta.produced_at, "produced_by": self.meta.produced_by,
            "data_as_of": self.meta.data_as_of,
            "summary": [{"label": label, "value": value} for label, value in self.summary],
            "notes": list(self.notes),
            "columns": [{"key": c.key, "title": c.title} for c in self.columns],
            "rows": [dict(zip((c.key for c in self.columns), row, strict=True))
                     for row in self.rows],
            "failing_rows": sorted(self.failing),
        }
