"""MDS assessments at the terminal: record one, fill in its dates as the work is done.

The forms check each date as it is typed (a real date, not in the future) and on
save by the shared rules (:mod:`protocol.rules.dates`: completion not before the
reference date, transmission not before completion), which the server applies
again. :class:`AssessmentList` shows a resident's assessments, newest first, and
opens either form; the compliance screen opens them from its MDS due list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from protocol.records import RecordKind
from protocol.rules.residents.mds import NAMES, AssessmentType

from ..engine import Session
from ..messages import DataChanged
from ..widgets.fitted_columns import show_fitted
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp
from .date_checks import dated
from .form import FormDialog
from .form_fields import FormField

ASSESSMENT_COLUMNS = (("Type", True), ("ARD / event", False), ("Completed", False),
                      ("Transmitted", False), ("", False))
"""The list's columns, (label, wraps): sized for the rows shown (an empty list's
sentence no longer leaves the type column wide once an assessment is recorded)."""

TYPE_CHOICES = tuple((NAMES[t].capitalize(), str(t)) for t in AssessmentType)

DATES = (
    ("ard", "Assessment reference date (A2300)",
     "YYYY-MM-DD; a discharge assessment: the discharge date; none for a tracking record"),
    ("event_on", "Entry or death date (A1600 / A2000)", "tracking records only"),
    ("determination_on", "Significant change or error determined on",
     "significant change or correction only: its deadlines count from this date"),
    ("completed_on", "Completed (Z0500B)", "YYYY-MM-DD; not before the reference date"),
    ("caa_on", "CAAs completed (V0200B2)", "comprehensive assessments"),
    ("care_plan_on", "Care plan completed (V0200C2)", "comprehensive assessments"),
    ("transmitted_on", "Transmitted to CMS", "YYYY-MM-DD; not before completion"),
)


def type_name(value: Any) -> str:
    """An assessment type in words ("quarterly assessment")."""
    try:
        return NAMES[AssessmentType(str(value))]
    except ValueError:
        return "MDS record"


def _shown(current: Mapping[str, Any], name: str) -> str:
    value = current.get(name)
    return "" if value is None else str(value)


def _fields(today: date, current: Mapping[str, Any]) -> list[FormField]:
    check = dated(RecordKind.ASSESSMENT, today)
    fields = [FormField("assessment_type", "Type", _shown(current, "assessment_type"),
                        kind=RecordKind.ASSESSMENT, choices=TYPE_CHOICES)]
    fields += [FormField(name, label, _shown(current, name), kind=RecordKind.ASSESSMENT,
                         check=check, required=False, hint=hint)
               for name, label, hint in DATES]
    fields.append(FormField("note", "Note", _shown(current, "note"), kind=RecordKind.ASSESSMENT,
                            required=False))
    return fields


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def add_assessment(today: date, resident_name: str, submit: Callable[[dict[str, Any]], str],
                   *, prefill: Mapping[str, Any] | None = None,
                   intro: str = "") -> FormDialog[str]:
    """A new assessment or tracking record; ``prefill`` from the due item it answers."""
    return FormDialog(f"Record an MDS assessment — {resident_name}",
                      _fields(today, prefill or {}), lambda values: submit(_present(values)),
                      intro=intro or "Fill in what is done; the other dates can be added "
                                     "later (Enter on the assessment).",
                      submit_label="Save assessment")


def edit_assessment(today: date, resident_name: str, current: Mapping[str, Any],
                    submit: Callable[[dict[str, Any]], int]) -> FormDialog[int]:
    """The assessment's dates, to record completion, CAAs, care plan, transmission.
    Only changed fields are sent; an emptied date is left as it was."""

    def send(values: dict[str, Any]) -> int:
        changes = {name: value for name, value in values.items()
                   if value is not None and value != current.get(name)}
        return submit(changes) if changes else 0

    return FormDialog(f"{type_name(current.get('assessment_type')).capitalize()} — "
                      f"{resident_name}", _fields(today, current), send,
                      submit_label="Save dates")


def summary(assessment: Mapping[str, Any]) -> tuple[Text, ...]:
    """One row of the list: type, the date it speaks for, completion, transmission."""
    target = assessment.get("ard") or assessment.get("event_on") or ""
    pending = Text("⟳ pending", style="yellow") if assessment.get("pending") else Text("")
    return (Text(type_name(assessment.get("assessment_type"))), Text(str(target)),
            Text(str(assessment.get("completed_on") or "—")),
            Text(str(assessment.get("transmitted_on") or "—")), pending)


class AssessmentList(WorkerErrorsToApp, ModalScreen[None]):
    """A resident's MDS assessments: ``n`` records one, Enter fills in its dates."""

    BINDINGS = [
        Binding("f1", "app.help", "Help", id="assessments.help",  # a modal: not the app's F1
                tooltip="Every key of the assessment list"),
        Binding("escape", "close", "Close", id="assessments.close",
                tooltip="Back to the resident"),
        Binding("n", "add", "New assessment", id="assessments.add",
                tooltip="Record an MDS assessment or tracking record"),
        Binding("enter", "edit", "Fill in dates", id="assessments.edit",
                tooltip="Record completion, CAAs, care plan or transmission of the "
                        "highlighted assessment"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[dict[str, Any]]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, session: Session, resident_id: str, resident_name: str,
                 today: date) -> None:
        super().__init__()
        self.session = session
        self.resident_id = resident_id
        self.resident_name = resident_name
        self.today = today
        self.rows: list[dict[str, Any]] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="assessments", classes="dialog assessments-dialog"):
            yield Label(Text(f"MDS assessments — {self.resident_name}"),
                        classes="dialog-title")
            yield DataTable(id="assessment-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("n  record an assessment    Enter  fill in its dates    "
                              "esc  close"), classes="dialog-intro")
        yield KeyFooter()  # the dialog's own keys, not the screen's behind it

    def on_mount(self) -> None:
        self.query_one("#assessment-table", DataTable).focus()
        self.load()

    def on_resize(self, event: events.Resize) -> None:  # noqa: ARG002  Textual's signature
        if self.loaded:
            self._show()  # the columns fit the dialog's new width

    def load(self) -> None:
        self._fetch(self.session, self.resident_id)

    @work(thread=True, exclusive=True, group="assessments", exit_on_error=False)
    def _fetch(self, session: Session, resident_id: str) -> None:
        self.post_message(self.Loaded(session.assessments.of_resident(resident_id)))

    def on_assessment_list_loaded(self, message: Loaded) -> None:
        self.rows = list(reversed(message.rows))
        self.loaded = True
        self._show()

    def _show(self) -> None:
        rows: list[tuple[str | None, tuple[Text, ...]]] = [
            (row["id"], summary(row)) for row in self.rows]
        if not rows:
            rows = [(None, (Text("No assessments recorded; press n to record one.",
                                 style="dim"), Text(""), Text(""), Text(""), Text("")))]
        show_fitted(self.query_one("#assessment-table", DataTable), ASSESSMENT_COLUMNS, rows,
                    self.query_one("#assessments").size.width)

    def action_add(self) -> None:
        session, resident_id = self.session, self.resident_id
        self.app.push_screen(add_assessment(
            self.today, self.resident_name,
            lambda values: session.assessments.add(resident_id, values)),
            self._saved)

    @on(DataTable.RowSelected)
    def action_edit(self) -> None:
        if not self.rows:
            self.action_add()
            return
        table = self.query_one("#assessment-table", DataTable)
        row = self.rows[min(max(table.cursor_row, 0), len(self.rows) - 1)]
        session = self.session
        self.app.push_screen(edit_assessment(
            self.today, self.resident_name, row,
            lambda changes: session.assessments.update(row["id"], changes)), self._saved)

    def _saved(self, result: object) -> None:
        if result == 0:
            self.app.notify("Nothing changed, so nothing was saved.")
        elif result is not None:
            self.app.notify("Assessment saved; it will be sent at the next sync.",
                            title="Saved")
            self.app.post_message(DataChanged())
            self.load()

    def action_close(self) -> None:
        self.dismiss(None)
