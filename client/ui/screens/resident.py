"""One resident's record: demographics, stays, diagnoses, notes, changes in flight.

Everything shown comes from one ``session.residents.get`` view read in a thread
worker. Each change is a form (``dialogs``) that saves through the engine; the
change shows as pending until the server has answered, and a rejection shows
the server's reason with what the clerk can do next. Notes are never edited in
place: a correction is an amendment or an entered-in-error mark.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from protocol.records import FIELDS, RecordKind, resident_display_name

from ..dialogs import note_forms, record_forms, resident_forms
from ..dialogs.conflict import ConflictDialog
from ..dialogs.resident_picker import ResidentPickerDialog
from ..display import census_status, next_step, op_status, plain, when
from ..messages import DataChanged
from ..roles import is_records_manager, records_manager_only
from .base import WorkScreen

ACTIVE_STAY = {"active", "admitted", "in_house", "on_leave", "in_hospital", "awaiting_bed"}


def active_stay(view: Any) -> Any:
    """The resident's open stay, if any (the newest one not discharged)."""
    for stay in reversed(view.stays):
        if stay.discharged_at is None and (stay.status or "active") in ACTIVE_STAY:
            return stay
    return None


def _value_text(value: Any) -> Text:
    if value is True:
        return Text("Yes")
    if value is False:
        return Text("No")
    return plain(value)


class ResidentScreen(WorkScreen):
    """A resident's record and every change the clerk can make to it."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "app.pop_screen", "Back", id="resident.back",
                tooltip="Back to the list you came from"),
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
        Binding("t", "transfer", "Transfer", id="resident.transfer", show=False,
                tooltip="Transfer the resident to another facility"),
        Binding("i", "add_diagnosis", "Diagnosis", id="resident.add_diagnosis",
                tooltip="Add a diagnosis (ICD-10-CM)"),
        Binding("n", "add_note", "Note", id="resident.add_note",
                tooltip="Add a clinical note"),
        Binding("m", "amend_note", "Amend", id="resident.amend_note",
                tooltip="Amend the highlighted note (the original is kept)"),
        Binding("x", "note_in_error", "In error", id="resident.note_in_error",
                tooltip="Mark the highlighted note entered in error, with a reason"),
        Binding("X", "void_resident", "Record in error", id="resident.void", show=False,
                tooltip="Mark this whole record entered in error, with a reason "
                        "(records managers)"),
        Binding("M", "merge", "Merge duplicate", id="resident.merge", show=False,
                tooltip="Merge this record, a duplicate, into the resident's other record "
                        "(records managers)"),
    ]

    class Loaded(Message):
        def __init__(self, view: Any) -> None:
            super().__init__()
            self.view = view

    class BedsLoaded(Message):
        def __init__(self, purpose: str, beds: list[Any]) -> None:
            super().__init__()
            self.purpose = purpose
            self.beds = beds

    def __init__(self, resident_id: str) -> None:
        super().__init__()
        self.resident_id = resident_id
        self.view: Any = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="resident-body"):
            yield Static("", id="resident-title", classes="record-title")
            yield Static("", id="resident-alerts", classes="alerts")
            with TabbedContent(id="resident-tabs"):
                with TabPane("Demographics", id="tab-demographics"):
                    yield DataTable(id="demographics", cursor_type="row")
                with TabPane("Stays", id="tab-stays"):
                    yield DataTable(id="stays", cursor_type="row")
                    yield Static("", id="stays-empty", classes="empty-state")
                with TabPane("Diagnoses", id="tab-diagnoses"):
                    yield DataTable(id="diagnoses", cursor_type="row")
                    yield Static("", id="diagnoses-empty", classes="empty-state")
                with TabPane("Notes", id="tab-notes"):
                    yield DataTable(id="notes", cursor_type="row")
                    yield Static("", id="notes-empty", classes="empty-state")
                    with VerticalScroll(id="note-detail-box"):
                        yield Static("", id="note-detail")
                with TabPane("Changes", id="tab-changes"):
                    yield DataTable(id="changes", cursor_type="row")
                    yield Static("", id="changes-empty", classes="empty-state")

    def on_mount(self) -> None:
        self.query_one("#demographics", DataTable).add_columns("Field", "Value", "")
        self.query_one("#stays", DataTable).add_columns(
            "Admitted", "Discharged", "Bed", "Status", "Type", "Payer", "")
        self.query_one("#diagnoses", DataTable).add_columns(
            "Code", "Description", "Onset", "Rank", "Status", "")
        self.query_one("#notes", DataTable).add_columns("Time", "Category", "Author", "Note", "")
        self.query_one("#changes", DataTable).add_columns("Change", "Status", "Why", "What next")
        self.query_one("#demographics", DataTable).loading = True
        self.reload()

    # --- loading ----------------------------------------------------------------

    def reload(self) -> None:
        self._fetch(self.session, self.resident_id)

    @work(thread=True, exclusive=True, group="resident", exit_on_error=False)
    def _fetch(self, session: Any, resident_id: str) -> None:
        self.post_message(self.Loaded(session.residents.get(resident_id)))

    def on_resident_screen_loaded(self, message: Loaded) -> None:
        self.view = view = message.view
        self.query_one("#demographics", DataTable).loading = False
        self._show_title(view)
        self._show_alerts(view)
        self._show_demographics(view)
        self._show_stays(view)
        self._show_diagnoses(view)
        self._show_notes(view)
        self._show_changes(view)

    def _show_title(self, view: Any) -> None:
        name = view.display_name or resident_display_name(view.fields)
        title = Text(name, style="bold")
        title.append(f"   MRN {view.mrn or view.fields.get('mrn', '')}", style="dim")
        if view.fields.get("birth_date"):
            title.append(f"   born {view.fields['birth_date']}", style="dim")
        title.append("   ")
        title.append_text(census_status(view.census_status))
        if view.bed_label:
            title.append(f"   bed {view.bed_label}")
            if view.unit_name:
                title.append(f" ({view.unit_name})", style="dim")
        self.query_one("#resident-title", Static).update(title)
        self.sub_title = name

    def _show_alerts(self, view: Any) -> None:
        alerts = Text()
        if view.status == "entered_in_error":
            alerts.append("This record was marked entered in error.\n", style="bold red")
        if view.status == "replaced":
            alerts.append("This record was merged into another resident's record.\n",
                          style="bold yellow")
        for op in view.pending_commands:
            if op.status == "rejected":
                alerts.append("✗ ", style="bold red")
                alerts.append(f"{op.summary} was rejected: ", style="bold")
                alerts.append(op.reason_text or op.reason or "")
                step = next_step(op.reason)
                if step:
                    alerts.append(f"  Next: {step}", style="italic")
                alerts.append("\n")
        if view.conflicts:
            names = ", ".join(sorted(view.conflicts))
            alerts.append(f"⚠ Conflicting changes to {names}: press e on the field to "
                          "choose the value to keep.\n", style="dark_orange")
        alerts.rstrip()
        widget = self.query_one("#resident-alerts", Static)
        widget.update(alerts)
        widget.display = bool(alerts.plain)

    def _show_demographics(self, view: Any) -> None:
        table = self.query_one("#demographics", DataTable)
        cursor = table.cursor_row
        table.clear()
        for name in FIELDS[RecordKind.RESIDENT]:
            state = Text()
            if name in view.conflicts:
                values = " / ".join(str(v.value) for v in view.conflicts[name])
                state = Text(f"⚠ conflict: {values}", style="dark_orange")
            elif name in view.pending_fields:
                state = Text("⟳ pending", style="yellow")
            table.add_row(Text(resident_forms.RESIDENT_LABELS.get(name, name)),
                          _value_text(view.fields.get(name)), state, key=name)
        table.move_cursor(row=cursor)

    def _show_stays(self, view: Any) -> None:
        table = self.query_one("#stays", DataTable)
        table.clear()
        for stay in reversed(view.stays):
            status = Text(stay.status or "")
            if stay.leave_type:
                status.append(f" ({stay.leave_type})")
            table.add_row(plain(stay.admitted_at), plain(stay.discharged_at),
                          plain(stay.bed_label or ("awaiting bed" if stay.status else "")),
                          status, plain(stay.admission_type), plain(stay.payer),
                          Text("⟳ pending", style="yellow") if stay.pending else Text(""),
                          key=stay.id)
        self._empty("stays", not view.stays, "No stays yet: press a to admit.")

    def _show_diagnoses(self, view: Any) -> None:
        table = self.query_one("#diagnoses", DataTable)
        table.clear()
        for dx in view.diagnoses:
            flag = Text("⟳ pending", style="yellow") if dx.pending else Text("")
            if dx.conflicts:
                flag = Text("⚠ conflict", style="dark_orange")
            if dx.record_status == "entered_in_error":
                flag = Text("entered in error", style="red")
            table.add_row(plain(dx.code), plain(dx.description), plain(dx.onset_date),
                          plain(dx.rank), plain(dx.status), flag, key=dx.id)
        self._empty("diagnoses", not view.diagnoses, "No diagnoses: press i to add one.")

    def _show_notes(self, view: Any) -> None:
        table = self.query_one("#notes", DataTable)
        table.clear()
        for note in view.notes:
            first_line = (note.body or "").splitlines()[0] if note.body else ""
            body = Text(first_line[:60], style="strike dim" if note.entered_in_error else "")
            flags = Text()
            if note.entered_in_error:
                flags.append("entered in error", style="red")
            elif note.amendments:
                flags.append(f"amended ×{len(note.amendments)}", style="cyan")
            if note.pending:
                flags.append(" ⟳ pending", style="yellow")
            table.add_row(plain(when(note.clinical_time)), plain(note.category),
                          plain(self._author(note)), body, flags, key=note.id)
        self._empty("notes", not view.notes, "No notes yet: press n to add one.")
        self._show_note_detail()

    def _show_changes(self, view: Any) -> None:
        table = self.query_one("#changes", DataTable)
        table.clear()
        for op in view.pending_commands:
            table.add_row(plain(op.summary), op_status(op.status),
                          plain(op.reason_text or ""), plain(next_step(op.reason)),
                          key=str(op.seq))
        self._empty("changes", not view.pending_commands,
                    "No pending changes: everything for this resident is on the server.")

    def _empty(self, name: str, empty: bool, message: str) -> None:  # noqa: FBT001
        widget = self.query_one(f"#{name}-empty", Static)
        widget.update(Text(message))
        widget.display = empty
        self.query_one(f"#{name}", DataTable).display = not empty

    # --- notes ------------------------------------------------------------------

    def selected_note(self) -> Any:
        if self.view is None or not self.view.notes:
            return None
        table = self.query_one("#notes", DataTable)
        index = min(max(table.cursor_row, 0), len(self.view.notes) - 1)
        return self.view.notes[index]

    @on(DataTable.RowHighlighted, "#notes")
    def _show_note_detail(self) -> None:
        note = self.selected_note()
        detail = Text()
        if note is not None:
            detail.append(f"{when(note.clinical_time)}  {note.category or ''}  "
                          f"by {self._author(note)}\n", style="bold")
            detail.append(note.body or "", style="strike" if note.entered_in_error else "")
            for amendment in note.amendments:
                detail.append(f"\n\nAmended {when(amendment.clinical_time)} by "
                              f"{self._author(amendment)}"
                              f"{' (pending)' if amendment.pending else ''}:\n",
                              style="bold cyan")
                detail.append(amendment.body or "")
        self.query_one("#note-detail", Static).update(detail)

    def _author(self, note: Any) -> str:
        """The author's name as the server sent it; a note still waiting to be
        sent is the signed-in clerk's own."""
        if note.author_name:
            return str(note.author_name)
        session = self.chartkeep._session  # noqa: SLF001  (no lookup needed while locked)
        if session is not None and note.author == session.user.id:
            return session.user.username
        return f"user …{note.author[-6:]}" if note.author else ""

    def action_add_note(self) -> None:
        session, resident_id = self.session, self.resident_id

        def submit(values: dict[str, Any]) -> str:
            return session.notes.add(resident_id, resident_forms.drop_empty(values))

        self._open_form(note_forms.add_note(self._now(), submit), "Note saved", tab="notes")

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

    def _note_for(self, verb: str) -> Any:
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
        if name in view.conflicts:
            self.app.push_screen(ConflictDialog(
                view.display_name, name, view.conflicts[name],
                lambda value: session.conflicts.resolve("resident", view.id, name, value)),
                self._after_change("Choice saved"))
            return
        if not FIELDS[RecordKind.RESIDENT][name].editable:
            self.app.notify("The record number cannot be changed.", severity="warning")
            return
        self._open_form(resident_forms.edit_resident_field(
            name, view.fields.get(name),
            lambda changes: session.residents.update(view.id, changes)), "Change saved")

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

        self._open_form(resident_forms.diagnosis(submit, current=dx.fields), "Diagnosis saved")

    def action_add_diagnosis(self) -> None:
        session, resident_id = self.session, self.resident_id
        self._open_form(resident_forms.diagnosis(
            lambda values: session.residents.add_diagnosis(resident_id, values)), "Diagnosis added",
            tab="diagnoses")

    # --- stays --------------------------------------------------------------------

    def action_admit(self) -> None:
        if self.view is not None and active_stay(self.view) is not None:
            self.app.notify("The resident already has an active stay.", severity="warning")
            return
        self._load_beds("admit")

    def action_assign_bed(self) -> None:
        if self._stay_or_warn() is not None:
            self._load_beds("assign")

    @work(thread=True, exclusive=True, group="beds", exit_on_error=False)
    def _load_beds(self, purpose: str) -> None:
        beds = [bed for bed in self.session.beds.board() if bed.state == "free"]
        self.post_message(self.BedsLoaded(purpose, beds))

    def on_resident_screen_beds_loaded(self, message: BedsLoaded) -> None:
        choices = [(Text(f"{bed.label} — {bed.unit_name}"), bed.bed_id) for bed in message.beds]
        session, resident_id = self.session, self.resident_id
        if message.purpose == "admit":

            def admit(values: dict[str, Any]) -> str:
                return session.stays.admit(resident_id, **resident_forms.drop_empty(values))

            self._open_form(resident_forms.admit(self.chartkeep.today(), choices, admit),
                            "Admission saved", tab="stays")
            return
        stay = self._stay_or_warn()
        if stay is None:
            return
        if not choices:
            self.app.notify("There is no free bed right now.", severity="warning")
            return
        self._open_form(resident_forms.assign_bed(
            choices, lambda values: session.stays.assign_bed(stay.id, values["bed_id"])),
            "Bed assignment saved", tab="stays")

    def action_discharge(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(resident_forms.discharge(
                self.chartkeep.today(),
                lambda values: session.stays.discharge(stay.id, **resident_forms.drop_empty(values))),
                "Discharge saved", tab="stays")

    def action_leave(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(resident_forms.leave(
                self._now(), lambda values: session.stays.leave(stay.id, **values)),
                "Leave saved", tab="stays")

    def action_return_from_leave(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(resident_forms.return_from_leave(
                self._now(), lambda values: session.stays.return_from_leave(stay.id, **values)),
                "Return saved", tab="stays")

    def action_transfer(self) -> None:
        stay = self._stay_or_warn()
        if stay is not None:
            session = self.session
            self._open_form(resident_forms.transfer(
                self._now(), lambda values: session.stays.transfer(stay.id, **values)),
                "Transfer saved", tab="stays")

    def _stay_or_warn(self) -> Any:
        stay = active_stay(self.view) if self.view is not None else None
        if stay is None:
            self.app.notify("The resident has no active stay; admit them first (a).",
                            severity="warning")
        return stay

    # --- the whole record (records managers) --------------------------------------------

    def _record_action_allowed(self, what: str) -> bool:
        if self.view is None:
            return False
        if not is_records_manager(self.session):
            self.app.notify(records_manager_only(what), title="Records managers only",
                            severity="warning", markup=False, timeout=8)
            return False
        if self.view.status != "active":
            self.app.notify("This record was already marked entered in error or merged.",
                            severity="warning")
            return False
        return True

    def action_void_resident(self) -> None:
        if not self._record_action_allowed("mark a resident entered in error"):
            return
        view, session = self.view, self.session
        self._open_form(record_forms.void_resident(
            view.display_name, view.mrn,
            lambda values: session.residents.void(view.id, values["reason"])),
            "Record marked entered in error")

    def action_merge(self) -> None:
        if not self._record_action_allowed("merge duplicate records"):
            return
        view = self.view
        self.app.push_screen(ResidentPickerDialog(
            self.session, f"Merge {view.display_name} into…",
            intro="This record is the duplicate. Find the record that stays: its "
                  "name, room or record number.", exclude=view.id), self._confirm_merge)

    def _confirm_merge(self, survivor: Any) -> None:
        if survivor is None or self.view is None:
            return
        view, session = self.view, self.session
        self._open_form(record_forms.merge_residents(
            (view.display_name, view.mrn), (survivor.display_name, survivor.mrn),
            lambda _values: session.residents.merge(survivor.id, view.id)), "Merge saved")

    # --- shared -------------------------------------------------------------------

    def _now(self) -> str:
        return self.chartkeep.now().strftime("%Y-%m-%dT%H:%M")

    def _open_form(self, dialog: Any, done: str, *, tab: str | None = None) -> None:
        if tab:
            self.query_one("#resident-tabs", TabbedContent).active = f"tab-{tab}"
        self.app.push_screen(dialog, self._after_change(done))

    def _after_change(self, done: str) -> Any:
        def after(result: Any) -> None:
            if result is None:
                return
            self.app.notify(f"{done}; it will be sent at the next sync.", title="Saved")
            self.app.post_message(DataChanged())

        return after

    def palette_commands(self) -> list[tuple[str, str, Any]]:
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
            ("Transfer to another facility", "Send the resident to another facility",
             self.action_transfer),
            ("Mark record entered in error", "The whole record, with a reason (records "
             "managers)", self.action_void_resident),
            ("Merge duplicate record", "Merge this record into the resident's other record "
             "(records managers)", self.action_merge),
        ]
