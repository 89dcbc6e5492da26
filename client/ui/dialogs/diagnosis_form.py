"""Adding or changing a diagnosis: the code checked against the ICD-10-CM code set
as it is typed, its description filled in from the code set, and a search by
words (ctrl+f: "diabetes type 2") for a clerk who does not know the code.

The code set (:mod:`protocol.rules.residents.diagnosis_codes`) takes seconds to
read: the dialog reads it in a worker, checks only the code's shape until then,
and the save (a worker too) checks the code in full, as the server will.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from protocol.records import RecordKind
from protocol.records.codes import check_icd10, check_icd10_shape
from protocol.rules.residents import diagnosis_codes
from protocol.rules.residents.diagnosis_codes import Code
from protocol.rules.residents.diagnosis_rank import default_rank

from ..display import plain
from ..widgets.fitted_columns import show_fitted
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp
from .form import FormDialog
from .form_fields import FormField
from .resident_forms import drop_empty


def check_code(name: str, value: Any) -> str:
    """The full check once the code set is read; until then, the shape only."""
    if diagnosis_codes.is_loaded():
        return check_icd10(name, value)
    return check_icd10_shape(name, value)


class DiagnosisDialog(FormDialog[Any]):
    """The diagnosis form, with the code set's description and a search by words."""

    BINDINGS = [
        Binding("ctrl+f", "find_code", "Find code", id="diagnosis.find_code",
                tooltip="Search the ICD-10-CM code set by words or the start of a code"),
    ]

    class CodeSetRead(Message):
        """The code set was read: the code typed so far is checked in full."""

    def on_mount(self) -> None:
        super().on_mount()
        if not diagnosis_codes.is_loaded():
            self._read_code_set()

    @work(thread=True, exclusive=True, group="icd10-load", exit_on_error=False)
    def _read_code_set(self) -> None:
        diagnosis_codes.load()
        self.post_message(self.CodeSetRead())

    def on_diagnosis_dialog_code_set_read(self) -> None:
        self._code_typed()

    @on(Input.Changed, "#field-code")
    def _code_typed(self) -> None:
        """A valid billable code fills the description the clerk has not typed."""
        text = self.query_one("#field-code", Input).value
        if not diagnosis_codes.is_loaded() or not text.strip():
            return
        spec = next(s for s in self.fields if s.name == "code")
        ok, code = self._check(spec)
        official = diagnosis_codes.description(code) if ok else None
        described = self.query_one("#field-description", Input)
        if official and (not described.value.strip() or described.value == self._filled):
            described.value = official
            self._filled = official

    _filled = ""
    """The description this dialog filled in (replaced when the code changes)."""

    def action_find_code(self) -> None:
        words = self.query_one("#field-code", Input).value
        self.app.push_screen(CodeSearchDialog(words), self._found)

    def _found(self, code: Code | None) -> None:
        if code is None:
            return
        self.query_one("#field-description", Input).value = code.description
        self._filled = code.description
        field = self.query_one("#field-code", Input)
        field.value = code.code
        field.focus()


def diagnosis(submit: Callable[[dict[str, Any]], Any], *,
              current: dict[str, Any] | None = None,
              others: Iterable[Mapping[str, Any]] = ()) -> DiagnosisDialog:
    """The form for a new diagnosis (``others``: the resident's recorded ones, which
    decide the rank it starts with) or a change to ``current``."""
    values = current or {}

    def shown(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value)

    fields = [
        FormField("code", "ICD-10-CM code", shown("code"), check=check_code,
                  hint="a billable code, e.g. I10, E11.9 — ctrl+f finds one by words"),
        FormField("description", "Description", shown("description"),
                  kind=RecordKind.DIAGNOSIS),
        FormField("onset_date", "Onset date", shown("onset_date"), kind=RecordKind.DIAGNOSIS,
                  required=False, hint="YYYY-MM-DD"),
        FormField("rank", "Rank", shown("rank") or default_rank(others), kind=RecordKind.DIAGNOSIS,
                  choices=(("Principal", "principal"), ("Secondary", "secondary"))),
        FormField("status", "Status", shown("status") or "active", kind=RecordKind.DIAGNOSIS,
                  choices=(("Active", "active"), ("Resolved", "resolved"))),
    ]
    title = "Change diagnosis" if current else "Add a diagnosis"
    return DiagnosisDialog(title, fields, lambda v: submit(drop_empty(v)))


CODE_COLUMNS = (("Code", False), ("Description", True))
"""The matches' columns, (label, wraps): a long description wraps within the
dialog instead of running past its edge (:func:`show_fitted`)."""


class CodeSearchDialog(WorkerErrorsToApp, ModalScreen[Code | None]):
    """Find a billable ICD-10-CM code by words of its description or its start;
    returns the chosen code, or ``None`` on cancel."""

    AUTO_FOCUS = "#code-filter"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="code_search.cancel",
                tooltip="Close without choosing"),
        Binding("down", "to_table", "Results", id="code_search.results", show=False,
                tooltip="Move from the search box to the matches"),
    ]

    class Found(Message):
        def __init__(self, query: str, codes: list[Code]) -> None:
            super().__init__()
            self.query = query
            self.codes = codes

    def __init__(self, words: str = "") -> None:
        super().__init__()
        self.words = words
        self.query_text = ""
        self.codes: list[Code] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(Text("Find an ICD-10-CM code"), classes="dialog-title")
            yield Static(Text(f"Billable codes of {diagnosis_codes.EDITION}. Type words of "
                              "the diagnosis in any order, or the start of a code."),
                         classes="dialog-intro")
            yield Input(self.words, id="code-filter", placeholder="e.g. diabetes type 2")
            yield DataTable(id="code-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="code-empty", classes="empty-state")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="code-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._search_for(self.words)

    def on_resize(self, event: events.Resize) -> None:  # noqa: ARG002  Textual's signature
        self.call_after_refresh(self._fit)  # the columns follow the dialog's new width

    @on(Input.Changed, "#code-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._search_for(event.value)

    def _search_for(self, text: str) -> None:
        self.query_text = text.strip()
        if len(self.query_text) < 2:
            self._show([])
            return
        self.query_one("#code-empty", Static).update(Text("Searching the code set…"))
        self._find(self.query_text)

    @work(thread=True, exclusive=True, group="code-search", exit_on_error=False)
    def _find(self, query: str) -> None:
        self.post_message(self.Found(query, diagnosis_codes.search(query)))

    def on_code_search_dialog_found(self, message: Found) -> None:
        if message.query == self.query_text:
            self._show(message.codes)

    def _show(self, codes: list[Code]) -> None:
        self.codes = codes
        self._fit()
        table = self.query_one("#code-table", DataTable)
        empty = self.query_one("#code-empty", Static)
        empty.display = not codes
        table.display = bool(codes)
        if len(self.query_text) < 2:
            empty.update(Text("Type at least two letters of the diagnosis or of its code."))
        else:
            empty.update(Text(f"No billable code matches '{self.query_text}'."))

    def _fit(self) -> None:
        show_fitted(self.query_one("#code-table", DataTable), CODE_COLUMNS,
                    [(code.code, (plain(code.code), plain(code.description)))
                     for code in self.codes], self.query_one(".picker-dialog").size.width)

    def action_to_table(self) -> None:
        if self.codes:
            self.query_one("#code-table", DataTable).focus()

    @on(Input.Submitted, "#code-filter")
    def _submitted(self) -> None:
        self.action_to_table()

    @on(DataTable.RowSelected, "#code-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        chosen = next((c for c in self.codes if c.code == event.row_key.value), None)
        if chosen is not None:
            self.dismiss(chosen)

    @on(Button.Pressed, "#code-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
