"""The compliance exports: a report, or a quarter's PBJ file, written to a file.

Both warn first: the file is plaintext, outside the encrypted store. The engine
records every export in the terminal's audit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from protocol.errors import ValidationError
from protocol.reports.catalog import REPORTS
from protocol.reports.pbj_file import PbjResult
from protocol.reports.render import FORMATS
from protocol.rules.calendar import Quarter

from ..engine import InputError
from .form import FormDialog
from .form_fields import FormField

WARNING = ("This writes resident or staff data to a PLAINTEXT file outside the encrypted "
           "store. Choose a place only you can reach, hand it over securely, delete it when "
           "done. The export is recorded in this terminal's audit.")


def _date(name: str, value: Any) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(name, "must be a date written YYYY-MM-DD") from None


def _quarter(name: str, value: Any) -> Quarter:
    try:
        return Quarter.parse(str(value))
    except ValueError as exc:
        raise ValidationError(name, str(exc)) from None


def export_report(start: date, end: date, home: Path,
                  export: Callable[[str, date, date, str, Path], Path]) -> FormDialog[Path]:
    fields = [
        FormField("name", "Report", "staffing-days",
                  choices=tuple((title, name) for name, (title, _b) in REPORTS.items())),
        FormField("format", "Format", "pdf", choices=tuple((f.upper(), f) for f in FORMATS)),
        FormField("start", "From", start.isoformat(), check=_date, hint="YYYY-MM-DD"),
        FormField("end", "To", end.isoformat(), check=_date, hint="YYYY-MM-DD"),
        FormField("path", "File", str(home / "exports" / "report"),
                  hint="the extension is added for the format"),
    ]

    def submit(values: dict[str, Any]) -> Path:
        path = Path(values["path"]).expanduser()
        if path.suffix.lower().lstrip(".") not in FORMATS:
            path = path.with_name(f"{path.name}-{values['name']}.{values['format']}")
        return export(values["name"], values["start"], values["end"], values["format"], path)

    return FormDialog("Export a compliance report", fields, submit, intro=WARNING,
                      submit_label="Write the file")


def export_pbj(today: date, home: Path, export: Callable[[Quarter, Path], PbjResult]
               ) -> FormDialog[Path]:
    last = Quarter.of(Quarter.of(today).start - timedelta(days=1))
    fields = [
        FormField("quarter", "Quarter", str(last), check=_quarter,
                  hint="federal fiscal quarter, e.g. 2027Q1 = October–December 2026"),
        FormField("path", "File", str(home / "exports" / f"pbj-{last}.xml")),
    ]

    def submit(values: dict[str, Any]) -> Path:
        path = Path(values["path"]).expanduser()
        result = export(values["quarter"], path)
        if result.blocked:
            shown = "\n".join(result.problems[:8])
            more = len(result.problems) - 8
            raise InputError("", f"CMS would reject this file, so nothing was written. Fix "
                             f"these entries first:\n{shown}"
                             + (f"\n… and {more} more" if more > 0 else ""))
        return path

    return FormDialog("Write the PBJ file", fields, submit, intro=WARNING,
                      submit_label="Check and write")
