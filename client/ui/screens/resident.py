"""One resident's record: demographics, stays, diagnoses, notes, changes in flight.

Everything shown comes from one ``session.residents.get`` view read in a thread
worker and shown by :class:`~client.ui.widgets.resident_record.ResidentRecord`.
Each change is a form (``dialogs``) that saves through the engine; the change
shows as pending until the server has answered, and a rejection shows the
server's reason with what the clerk can do next. Notes are never edited in
place: a correction is an amendment or an entered-in-error mark. The stay
commands live in :mod:`.resident_stays`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, TabbedContent

from protocol.merge import ACTIVE
from protocol.ops import OpType
from protocol.records import FIELDS, RecordKind, resident_display_name

from ..dialogs import (
    assessment_forms,
    diagnosis_form,
    note_forms,
    record_forms,
    resident_forms,
)
from ..dialogs.conflict import ConflictDialog
from ..dialogs.resident_picker import ResidentPickerDialog
from ..engine import Action, NoteView, ResidentRow, ResidentView, Session
from ..permissions import permitted_or_told
from ..widgets.resident_record import ResidentRecord
from .base import PaletteCommand, RoleKey
from .resident_stays import StayActions


class ResidentScreen(StayActions):
    """A resident's record and every change the clerk can make to it."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="resident.back",
                tooltip="Back to the list you came from"),
        Binding("down", "into_list", "Into the list", show=False, id="resident.into_list",
                tooltip="From the tabs, down into the tab's list (the cursor starts on "
                        "the tabs, where left and right change the tab)"),
        Binding("e", "edit", "Edit field", id="resident.edit",
                tooltip="Change the highlighted demographic field or diagnosis"),
        Binding("a", "admit", "Admit", id="resident.admit",
                tooltip="Admit the resident, into a free bed or awaiting one"),
        Binding("b", "assign_bed", "Bed", id="resident.assign_bed",
                tooltip="Assign a free bed to the active stay"),
        Binding("d", "discharge", "Discharge", id="resident.discharge",
                tooltip="Discharge the resident from the active stay"),
        Binding("l", "leave", "Leave", id="resident.leave",
                tooltip="Start a leave of absence (hospital or therapeutic)"),
        Binding("r", "return_from_leave", "Return", id="resident.return",
                tooltip="Record the return from a leave of absence"),
        Binding("P", "change_payer", "Payer", id="resident.change_payer",
                tooltip="Change the payer of the active stay from a date"),
        Binding("t", "transfer", "Transfer", id="resident.transfer",
                tooltip="Transfer the resident to another facility"),
        Binding("i", "add_diagnosis", "Diagnosis", id="resident.add_diagnosis",
                tooltip="Add a diagnosis (ICD-10-CM)"),
        Binding("n", "add_note", "Note", id="resident.add_note",
                tooltip="Add a clinical note"),
        Binding("m", "amend_note", "Amend", id="resident.amend_note",
                tooltip="Amend the highlighted note (the original is kept)"),
        Binding("x", "note_in_error", "In error", id="resident.note_in_error",
                tooltip="Mark the highlighted note entered in error, with a reason"),
        Binding("s", "assessments", "MDS", id="resident.assessments",
                tooltip="The resident's MDS assessments: record one, fill in its dates"),
        Binding("X", "void_resident", "Record in error", id="resident.void",
                tooltip="Mark this whole record entered in error, with a reason "
                        "(records managers)"),
        Binding("M", "merge", "Merge duplicate", id="resident.merge",
                tooltip="Merge this record, a duplicate, into the resident's other record "
                        "(records managers)"),
    ]

    ROLE_KEYS: ClassVar[dict[str, RoleKey]] = {
        "void_resident": RoleKey(OpType.VOID, RecordKind.RESIDENT,
                                 "mark a resident entered in error"),
        "merge": RoleKey(OpType.MERGE, RecordKind.RESIDENT, "merge duplicate records"),
    }

    class Loaded(Message):
        def __init__(self, view: ResidentView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, resident_id: str) -> None:
        super().__init__()
        self.resident_id = resident_id
        self.view: ResidentView | None = None
        self._note_to_show: str | None = None
        """A note just added: the list's cursor goes to it when it is read back
        (it stayed on the first note, the oldest, whose text showed under the list)."""

    def compose_body(self) -> ComposeResult:
        yield ResidentRecord(id="resident-body")

    def on_mount(self) -> None:
        self.reload()

    # --- loading ----------------------------------------------------------------

    def reload(self) -> None:
        self._fetch(self.session, self.resident_id)

    @work(thread=True, exclusive=True, group="resident", exit_on_error=False)
    def _fetch(self, session: Session, resident_id: str) -> None:
        self.post_message(self.Loaded(session.residents.get(resident_id)))

    def on_resident_screen_loaded(self, message: Loaded) -> None:
        self.view = view = message.view
        record = self.query_one(ResidentRecord)
        record.show(view, self.chartkeep.signed_in_user)
        if self._note_to_show is not None and record.highlight_note(self._note_to_show):
            self._note_to_show = None
        self.sub_title = view.display_name or resident_display_name(view.fields)

    def action_into_list(self) -> None:
        """Down on the tabs goes into the tab's list. The screen opens with the
        cursor on the tabs (left and right change the tab), where up and down did
        nothing: a clerk pressed down to reach a field and ``e`` edited the first
        row, the record number."""
        pane = self.query_one("#resident-tabs", TabbedContent).active_pane
        tables = pane.query(DataTable) if pane is not None else None
        if tables:  # at once: the downs typed behind this one move the list's cursor
            self.set_focus(tables.first())

    # --- notes ------------------------------------------------------------------

    def selected_note(self) -> NoteView | None:
        return self.query_one(ResidentRecord).selected_note()

    def action_add_note(self) -> None:
        session, resident_id = self.session, self.resident_id

        def submit(values: dict[str, Any]) -> str:
            return session.notes.add(resident_id, resident_forms.drop_empty(values))

        self.query_one("#resident-tabs", TabbedContent).active = "tab-notes"
        saved = self._after_change("Note saved")

        def after(note_id: Any) -> None:
            if isinstance(note_id, str):
                self._note_to_show = note_id  # shown once the record is read again
            saved(note_id)

        self.app.push_screen(note_forms.add_note(self._now(), submit), after)

    def action_amend_note(self) -> None:
        note = self._note_for("amend")
        if note is None:
            return
        session = self.session

        def submit(values: dict[str, Any]) -> str:
            return session.notes.amend(note.id, values["body"])

        self._open_form(note_forms.amend_note(note, submit), "Amendment saved", tab="notes")

    def action_note_in_error(self) -> None:
        note = self._note_for("mark entered in error")
        if note is None:
            return
        session = self.session

        def submit(values: dict[str, Any]) -> str:
            return session.notes.mark_entered_in_error(note.id, values["reason"])

        self._open_form(note_forms.note_entered_in_error(note, submit),
                        "Note marked entered in error", tab="notes")

    def _note_for(self, verb: str) -> NoteView | None:
        self.query_one("#resident-tabs", TabbedContent).active = "tab-notes"
        note = self.selected_note()
        if note is None:
            self.app.notify(f"There is no note to {verb}.", severity="warning")
        elif note.entered_in_error:
            self.app.notify("That note was entered in error; add a new note instead.",
                            severity="warning")
            return None
        return note

    # --- demographics and diagnoses ----------------------------------------------

    def action_edit(self) -> None:
        if self.view is None:
            return
        tab = self.query_one("#resident-tabs", TabbedContent).active
        if tab == "tab-diagnoses":
            self._edit_diagnosis()
            return
        self.query_one("#resident-tabs", TabbedContent).active = "tab-demographics"
        table = self.query_one("#demographics", DataTable)
        names = list(FIELDS[RecordKind.RESIDENT])
        name = names[min(max(table.cursor_row, 0), len(names) - 1)]
        self.edit_field(name)

    @on(DataTable.RowSelected, "#demographics")
    def _edit_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.edit_field(event.row_key.value)

    @on(DataTable.RowSelected, "#diagnoses")
    def _edit_selected_diagnosis(self) -> None:
        self._edit_diagnosis()

    def edit_field(self, name: str) -> None:
        view, session = self.view, self.session
        if view is None:
            return
        if name in view.conflicts:
            self.app.push_screen(ConflictDialog(
                view.display_name, name, view.conflicts[name],
                lambda value: session.conflicts.resolve("resident", view.id, name, value)),
                self._after_change("Choice saved"))
            return
        if not FIELDS[RecordKind.RESIDENT][name].editable:
            self.app.notify("The record number cannot be changed.", severity="warning")
            return
        current = view.fields.get(name)

        def submit(changes: dict[str, Any]) -> int:
            # No operation for no change: the sync would carry a write that changes nothing.
            changed = {k: v for k, v in changes.items() if v != view.fields.get(k)}
            return session.residents.update(view.id, changed) if changed else 0

        self._open_form(resident_forms.edit_resident_field(name, current, submit),
                        "Change saved")

    def _edit_diagnosis(self) -> None:
        if self.view is None or not self.view.diagnoses:
            return
        table = self.query_one("#diagnoses", DataTable)
        dx = self.view.diagnoses[min(max(table.cursor_row, 0), len(self.view.diagnoses) - 1)]
        session = self.session
        if dx.conflicts:
            name = next(iter(dx.conflicts))
            self.app.push_screen(ConflictDialog(
                f"{dx.code} {dx.description}", name, dx.conflicts[name],
                lambda value: session.conflicts.resolve("diagnosis", dx.id, name, value)),
                self._after_change("Choice saved"))
            return

        def submit(values: dict[str, Any]) -> int:
            changes = {k: v for k, v in values.items() if v != dx.fields.get(k)}
            return session.residents.update_diagnosis(dx.id, changes) if changes else 0

        self._open_form(diagnosis_form.diagnosis(submit, current=dx.fields), "Diagnosis saved")

    def action_add_diagnosis(self) -> None:
        session, resident_id = self.session, self.resident_id
        others = [dx.fields for dx in self.view.diagnoses
                  if dx.record_status == ACTIVE] if self.view else []
        self._open_form(diagnosis_form.diagnosis(
            lambda values: session.residents.add_diagnosis(resident_id, values),
            others=others),
            "Diagnosis added", tab="diagnoses")

    # --- MDS assessments ---------------------------------------------------------------

    def action_assessments(self) -> None:
        view = self.view
        if view is None or not permitted_or_told(self.app, self.session, "record assessments",
                                                 OpType.CREATE, RecordKind.ASSESSMENT):
            return
        self.app.push_screen(assessment_forms.AssessmentList(
            self.session, view.id, view.display_name, self.chartkeep.today()))

    # --- the whole record (records managers) --------------------------------------------

    def _record_to_change(self, what: str, action: Action) -> ResidentView | None:
        """The record shown, if the user may ``action`` it and it is still active."""
        view = self.view
        if view is None:
            return None
        if not permitted_or_told(self.app, self.session, what, action, RecordKind.RESIDENT):
            return None
        if view.status != "active":
            self.app.notify("This record was already marked entered in error or merged.",
                            severity="warning")
            return None
        return view

    def action_void_resident(self) -> None:
        view = self._record_to_change("mark a resident entered in error", OpType.VOID)
        if view is None:
            return
        session = self.session
        self._open_form(record_forms.void_resident(
            view.display_name, view.mrn,
            lambda values: session.residents.void(view.id, values["reason"])),
            "Record marked entered in error")

    def action_merge(self) -> None:
        view = self._record_to_change("merge duplicate records", OpType.MERGE)
        if view is None:
            return
        self.app.push_screen(ResidentPickerDialog(
            self.session, f"Merge {view.display_name} into…",
            intro="This record is the duplicate. Find the record that stays: its "
                  "name, room or record number.", exclude=view.id), self._confirm_merge)

    def _confirm_merge(self, survivor: ResidentRow | None) -> None:
        if survivor is None or self.view is None:
            return
        view, session = self.view, self.session
        self._open_form(record_forms.merge_residents(
            (view.display_name, view.mrn), (survivor.display_name, survivor.mrn),
            lambda _values: session.residents.merge(survivor.id, view.id)), "Merge saved")

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Add a note", "Write a clinical note for this resident", self.action_add_note),
            ("Amend the highlighted note", "The original stays, marked amended",
             self.action_amend_note),
            ("Mark note entered in error", "With a reason; the note stays struck through",
             self.action_note_in_error),
            ("Add a diagnosis", "ICD-10-CM code and description", self.action_add_diagnosis),
            ("Admit", "Admit into a free bed or awaiting one", self.action_admit),
            ("Assign a bed", "Put the active stay into a free bed", self.action_assign_bed),
            ("Discharge", "End the active stay", self.action_discharge),
            ("Leave of absence", "Hospital or therapeutic leave", self.action_leave),
            ("Return from leave", "End the leave of absence", self.action_return_from_leave),
            ("Change the payer", "Medicare, Medicaid, private or other, from a date",
             self.action_change_payer),
            ("Transfer to another facility", "Send the resident to another facility",
             self.action_transfer),
            ("MDS assessments", "Record an assessment, fill in completion and transmission",
             self.action_assessments),
            ("Mark record entered in error", "The whole record, with a reason (records managers)",
             self.action_void_resident),
            ("Merge duplicate record",
             "Merge this record into the resident's other record (records managers)",
             self.action_merge),
        ]
