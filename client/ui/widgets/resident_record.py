"""A resident's record as the resident screen shows it: title, alerts, and one
tab each for demographics, stays, diagnoses, notes and changes in flight.

It only shows a :class:`ResidentView`; the screen around it reads the view in a
thread worker and opens the forms that change the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from protocol.ops import OpType
from protocol.records import FIELDS, RecordKind, resident_display_name
from protocol.rules.residents.census_stats import current_payer

from ..dialogs.resident_forms import RESIDENT_LABELS
from ..display import answer_notes, census_status, next_step, op_status, plain, stay_status, when
from ..engine import NoteView, ResidentView, UserInfo, permitted
from ..widgets.fitted_columns import show_fitted

Columns = tuple[tuple[str, bool], ...]

DEMOGRAPHICS: Columns = (("Field", False), ("Value", True), ("", True))
STAYS: Columns = (("Admitted", False), ("Discharged", False), ("Bed", False),
                  ("Status", True), ("Type", False), ("Payer", True), ("", False))
DIAGNOSES: Columns = (("Code", False), ("Description", True), ("Onset", False),
                      ("Rank", False), ("Status", False), ("", False))
NOTES: Columns = (("Time", False), ("Category", False), ("Author", True), ("Note", True),
                  ("", True))
CHANGES: Columns = (("Change", True), ("Status", False), ("Why", True), ("What next", True))
"""Each tab's columns, (label, wraps): sized for the rows shown, the free text
wrapping in what the others leave (:func:`show_fitted`), so at 80 columns no
column runs past the screen's edge and a column is never wider than it needs."""
NOTE_PREVIEW = 60
"""The most of a note's first line the list shows; the whole note is under it."""


def preview(body: str | None) -> str:
    """A note's first line, up to :data:`NOTE_PREVIEW` characters, cut at a word
    with "…" when longer (the note shows whole under the list)."""
    first = (body or "").splitlines()[0] if body else ""
    if len(first) <= NOTE_PREVIEW:
        return first
    cut = first[:NOTE_PREVIEW].rsplit(" ", 1)[0] or first[:NOTE_PREVIEW]
    return cut.rstrip() + "…"


def _value_text(value: Any) -> Text:
    if value is True:
        return Text("Yes")
    if value is False:
        return Text("No")
    return plain(value)


def author_name(note: NoteView, me: UserInfo | None) -> str:
    """The author's name as the server sent it; a note still waiting to be sent
    is the signed-in clerk's own. The server sends the users of this facility:
    an author it did not name wrote at another facility (a resident transferred
    in), and is said so, never shown as an id."""
    if note.author_name:
        return str(note.author_name)
    if me is not None and note.author == me.id:
        return me.username
    return "a user of another facility" if note.author else ""


class ResidentRecord(Vertical):
    """Every part of one resident's record, each in words and colour."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002  Textual's name
        super().__init__(id=id)
        self.view: ResidentView | None = None
        self.me: UserInfo | None = None
        self._fitted = 0

    def compose(self) -> ComposeResult:
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
        self.query_one("#demographics", DataTable).loading = True

    def on_resize(self, event: events.Resize) -> None:
        if self.view is not None and event.size.width != self._fitted:
            self.show(self.view, self.me)  # the columns fit the new width

    def show(self, view: ResidentView, me: UserInfo | None) -> None:
        """Show ``view``; ``me`` is the signed-in user (their pending notes are theirs)."""
        self.view, self.me = view, me
        self._fitted = self.size.width
        self.query_one("#demographics", DataTable).loading = False
        self._show_title(view)
        self._show_alerts(view)
        self._show_demographics(view)
        self._show_stays(view)
        self._show_diagnoses(view)
        self._show_notes(view)
        self._show_changes(view)

    def _show_title(self, view: ResidentView) -> None:
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
        if view.transferred_from:
            title.append(f"   transferred from {view.transferred_from}", style="dim")
        self.query_one("#resident-title", Static).update(title)

    def _show_alerts(self, view: ResidentView) -> None:
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
        for open_case in view.open_elsewhere:  # read-only: the sending facility answers
            alerts.append("Open at the facility that sent this resident (read-only): ",
                          style="bold")
            alerts.append(f"{open_case}.\n")
        if view.conflicts:
            names = ", ".join(sorted(view.conflicts))
            # Only a records manager may resolve: a clerk is told who will.
            me = self.me
            can_resolve = me is not None and permitted(me.role, OpType.RESOLVE,
                                                       RecordKind.RESIDENT)
            alerts.append(f"⚠ Conflicting changes to {names}: "
                          + ("press e on the field to choose the value to keep.\n"
                             if can_resolve else
                             "a records manager will choose the value to keep.\n"),
                          style="dark_orange")
        alerts.rstrip()
        widget = self.query_one("#resident-alerts", Static)
        widget.update(alerts)
        widget.display = bool(alerts.plain)

    def _show_demographics(self, view: ResidentView) -> None:
        rows = []
        for name in FIELDS[RecordKind.RESIDENT]:
            state = Text()
            if name in view.conflicts:
                values = " / ".join(str(v.value) for v in view.conflicts[name])
                state = Text(f"⚠ conflict: {values}", style="dark_orange")
            elif name in view.pending_fields:
                state = Text("⟳ pending", style="yellow")
            rows.append((name, (Text(RESIDENT_LABELS.get(name, name)),
                                _value_text(view.fields.get(name)), state)))
        self._fill("demographics", DEMOGRAPHICS, rows)

    def _fill(self, name: str, columns: Columns,
              rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        show_fitted(self.query_one(f"#{name}", DataTable), columns, rows,
                    self._fitted or self.app.size.width)

    def _show_stays(self, view: ResidentView) -> None:
        rows = [(stay.id, (plain(stay.admitted_at), plain(stay.discharged_at),
                           plain(stay.bed_label or ("awaiting bed" if stay.status else "")),
                           stay_status(stay.status, stay.leave_type),
                           plain(stay.admission_type), plain(current_payer(stay.fields)),
                           Text("⟳ pending", style="yellow") if stay.pending else Text("")))
                for stay in reversed(view.stays)]
        self._fill("stays", STAYS, rows)
        self._empty("stays", "No stays yet: press a to admit.", empty=not view.stays)

    def _show_diagnoses(self, view: ResidentView) -> None:
        rows = []
        for dx in view.diagnoses:
            flag = Text("⟳ pending", style="yellow") if dx.pending else Text("")
            if dx.conflicts:
                flag = Text("⚠ conflict", style="dark_orange")
            if dx.record_status == "entered_in_error":
                flag = Text("entered in error", style="red")
            rows.append((dx.id, (plain(dx.code), plain(dx.description), plain(dx.onset_date),
                                 plain(dx.rank), plain(dx.status), flag)))
        self._fill("diagnoses", DIAGNOSES, rows)
        self._empty("diagnoses", "No diagnoses: press i to add one.", empty=not view.diagnoses)

    def _show_notes(self, view: ResidentView) -> None:
        rows = []
        for note in view.notes:
            body = Text(preview(note.body), style="strike dim" if note.entered_in_error else "")
            flags = Text()
            if note.entered_in_error:
                flags.append("entered in error", style="red")
            elif note.amendments:
                flags.append(f"amended ×{len(note.amendments)}", style="cyan")
            if note.pending:
                flags.append(" ⟳ pending", style="yellow")
            rows.append((note.id, (plain(when(note.clinical_time)), plain(note.category),
                                   plain(author_name(note, self.me)), body, flags)))
        self._fill("notes", NOTES, rows)
        self._empty("notes", "No notes yet: press n to add one.", empty=not view.notes)
        self._show_note_detail()

    def _show_changes(self, view: ResidentView) -> None:
        rows = []
        for op in [*view.pending_commands, *view.answers]:
            why = " ".join(filter(None, (op.reason_text, answer_notes(op.flags))))
            rows.append((str(op.seq), (plain(op.summary), op_status(op.status), plain(why),
                                       plain(next_step(op.reason)))))
        self._fill("changes", CHANGES, rows)
        self._empty("changes",
                    "No pending changes: everything for this resident is on the server.",
                    empty=not (view.pending_commands or view.answers))

    def _empty(self, name: str, message: str, *, empty: bool) -> None:
        widget = self.query_one(f"#{name}-empty", Static)
        widget.update(Text(message))
        widget.display = empty
        self.query_one(f"#{name}", DataTable).display = not empty

    # --- notes ------------------------------------------------------------------

    def selected_note(self) -> NoteView | None:
        if self.view is None or not self.view.notes:
            return None
        table = self.query_one("#notes", DataTable)
        index = min(max(table.cursor_row, 0), len(self.view.notes) - 1)
        return self.view.notes[index]

    def highlight_note(self, note_id: str) -> bool:
        """Put the notes list's cursor on ``note_id`` (its text shows under the list);
        ``False`` when the view shown does not hold it yet."""
        notes = self.view.notes if self.view is not None else []
        index = next((i for i, note in enumerate(notes) if note.id == note_id), None)
        if index is None:
            return False
        self.query_one("#notes", DataTable).move_cursor(row=index)
        self._show_note_detail()
        return True

    @on(DataTable.RowHighlighted, "#notes")
    def _show_note_detail(self) -> None:
        note = self.selected_note()
        detail = Text()
        if note is not None:
            detail.append(f"{when(note.clinical_time)}  {note.category or ''}  "
                          f"by {author_name(note, self.me)}\n", style="bold")
            detail.append(note.body or "", style="strike" if note.entered_in_error else "")
            marking = note.error_marking
            if marking is not None:
                detail.append(f"\n\nEntered in error — marked {when(marking.clinical_time)} by "
                              f"{author_name(marking, self.me)}"
                              f"{' (pending)' if marking.pending else ''}. Why:\n",
                              style="bold red")
                detail.append(marking.body or "")
            for amendment in note.amendments:
                detail.append(f"\n\nAmended {when(amendment.clinical_time)} by "
                              f"{author_name(amendment, self.me)}"
                              f"{' (pending)' if amendment.pending else ''}:\n",
                              style="bold cyan")
                detail.append(amendment.body or "")
        self.query_one("#note-detail", Static).update(detail)
