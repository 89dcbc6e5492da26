"""A form in a modal dialog that saves through the engine and never loses input.

Every data-entry dialog of the app is a :class:`FormDialog`: fields are checked as
they are typed with the same rules the server applies (``protocol.records``), the
save runs in a thread worker, and an :class:`InputError` from the engine keeps the
dialog open with the message under the field it names. The dialog closes only
when the engine has taken the change, returning whatever ``submit`` returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from protocol.errors import ValidationError

from ..engine import InputError, SessionLocked, TerminalError, clerk_message
from ..widgets.field_input import FieldInput
from ..widgets.key_footer import KeyFooter
from ..workers import WorkerErrorsToApp
from .choice import ChoiceDialog
from .form_fields import FormField, check_value, field_message, opening_value

T = TypeVar("T")

DISCARD = "discard"
"""The choice that throws a form's typed entries away (closing it, quitting)."""


class FormDialog(WorkerErrorsToApp, ModalScreen[T | None], Generic[T]):
    """A data-entry dialog; dismisses with ``submit``'s result, or ``None`` on cancel."""


    BINDINGS = [
        # A form is a modal screen, where Textual stops the app's keys: F1 did
        # nothing in a form, and its footer did not start with it.
        Binding("f1", "app.help", "Help", id="form.help",
                tooltip="Every key of this form, and the field's editing keys"),
        Binding("escape", "cancel", "Cancel", id="form.cancel",
                tooltip="Close the form without saving"),
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True,
                tooltip="Check every field and save the form"),
    ]

    AUTO_FOCUS = "#form-fields > *"
    """The cursor starts in the first field (not on the scroll area around the fields)."""

    class Saved(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        def __init__(self, error: TerminalError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, title: str, fields: Sequence[FormField],
                 submit: Callable[[dict[str, Any]], T], *, intro: str | Text = "",
                 submit_label: str = "Save", name: str | None = None) -> None:
        super().__init__(name=name)
        self.form_title = title
        self.fields = list(fields)
        self.submit = submit
        self.intro = intro
        self.submit_label = submit_label
        self.saving = False
        self.saved = False
        """The engine took the change; the dialog is closing (nothing to lose)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="dialog"):
            yield Label(Text(self.form_title), classes="dialog-title")
            if self.intro:
                yield Static(Text(self.intro) if isinstance(self.intro, str) else self.intro,
                             classes="dialog-intro")
            with VerticalScroll(id="form-fields"):
                for spec in self.fields:
                    yield Label(Text(spec.label + ("" if spec.required else " (optional)")),
                                id=f"label-{spec.name}", classes="field-label")
                    yield self._editor(spec)
                    if spec.hint:
                        yield Static(Text(spec.hint), classes="field-hint")
                    yield Static("", id=f"error-{spec.name}", classes="field-error")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.submit_label, id="form-save", variant="primary",
                             tooltip="Save (ctrl+s)")
                yield Button("Cancel", id="form-cancel", tooltip="Close without saving (esc)")
        yield KeyFooter()  # the form's keys, not those of the screen behind it

    # --- fitting a small terminal -------------------------------------------------------

    def on_mount(self) -> None:
        """The cursor starts in the first field (the first keystroke is never lost);
        the fields fit the screen once it is drawn."""
        if self.fields:  # the form opens at its top: not scrolled to the field, past its name
            self.query_one(f"#field-{self.fields[0].name}").focus(scroll_visible=False)
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Let the fields scroll in what the dialog's title, intro and buttons leave of
        the screen, so the Save button stays in view on an 80×24 terminal. A dialog
        closed before its refresh came (keys typed ahead) has nothing left to fit."""
        found_form, found_fields = self.query("#form"), self.query("#form-fields")
        if not self.is_attached or not found_form or not found_fields:
            return
        form, fields = found_form.first(), found_fields.first()
        tallest = form.styles.max_height  # the dialog's own limit, from the stylesheet
        limit = (int(tallest.resolve(self.size, self.app.size)) if tallest is not None
                 else self.size.height)
        others = form.styles.gutter.height + sum(
            child.outer_size.height + child.styles.margin.height
            for child in form.children if child is not fields and child.display)
        room = max(limit - others, 3)
        if fields.styles.max_height is None or fields.styles.max_height.value != room:
            fields.styles.max_height = room
        self.call_after_refresh(self._label_in_view)

    @on(events.DescendantFocus)
    def _focused(self) -> None:
        self.call_after_refresh(self._label_in_view)

    def scroll_to_center(self, widget: Widget, animate: bool = True,  # noqa: FBT001, FBT002  Textual's signature
                         **kwargs: Any) -> None:
        """A field focused out of view (tab, or the first as the form opens) is
        scrolled to at once, then its name shown above it: an animated scroll
        ended after the name was checked, past it."""
        del animate
        super().scroll_to_center(widget, False, **kwargs)
        self.call_after_refresh(self._label_in_view)

    def _label_in_view(self) -> None:
        """The focused field's name stays in view above it: scrolled to the field
        alone (the first, as the form opens at 80×24; any, going back up with
        shift+tab), the form showed a box with no name."""
        focused = self.focused
        name = (focused.id or "").removeprefix("field-") if focused is not None else ""
        if not self.is_attached or not name or not self._has_field(name):
            return
        fields = self.query_one("#form-fields", VerticalScroll)
        label = self.query_one(f"#label-{name}")
        if label.virtual_region.y < fields.scroll_offset.y:  # above what shows
            fields.scroll_to(y=label.virtual_region.y, animate=False)

    def _editor(self, spec: FormField) -> Input | Select[str] | TextArea:
        widget_id = f"field-{spec.name}"
        if spec.choices is not None:
            return Select(list(spec.choices), id=widget_id,
                          allow_blank=not spec.required or spec.no_default,
                          value=spec.value or Select.NULL,
                          prompt="Choose…")
        if spec.multiline:
            area = TextArea(spec.value, id=widget_id, soft_wrap=True, tab_behavior="focus")
            area.show_line_numbers = False
            return area
        # Enter goes on to the next field at once (keys typed ahead land there);
        # in the last field it saves.
        return FieldInput(spec.value, id=widget_id, placeholder=spec.placeholder,
                          password=spec.password, select_on_focus=False,
                          advance_on_enter=spec is not self.fields[-1])

    # --- reading and checking fields ----------------------------------------

    def raw_value(self, spec: FormField) -> str:
        widget = self.query_one(f"#field-{spec.name}")
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            value = widget.value
            return "" if value is Select.NULL else str(value)
        return ""

    def show_error(self, name: str | None, message: str) -> None:
        """Put ``message`` next to field ``name`` (or under the form when it names none)."""
        target = f"#error-{name}" if name and self._has_field(name) else "#form-error"
        self.query_one(target, Static).update(Text(message))
        self.call_after_refresh(self._fit)  # a long message under the form takes room
        if name and self._has_field(name):
            self.query_one(f"#field-{name}").focus()

    def _has_field(self, name: str) -> bool:
        return any(spec.name == name for spec in self.fields)

    def _check(self, spec: FormField) -> tuple[bool, Any]:
        try:
            value = check_value(spec, self.raw_value(spec))
        except ValidationError as error:
            message = field_message(spec.label, error.reason)
            self.query_one(f"#error-{spec.name}", Static).update(Text(message))
            return False, None
        self.query_one(f"#error-{spec.name}", Static).update("")
        return True, value

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Message) -> None:
        widget = getattr(event, "control", None) or getattr(event, "text_area", None)
        widget_id = getattr(widget, "id", "") or ""
        spec = next((s for s in self.fields if f"field-{s.name}" == widget_id), None)
        if spec is not None and (self.raw_value(spec) or isinstance(widget, Select)):
            self._check(spec)

    @on(Input.Submitted)
    def _next_or_save(self, event: Input.Submitted) -> None:
        event.stop()
        editors = [self.query_one(f"#field-{s.name}") for s in self.fields]
        if event.input is editors[-1]:
            self._check_and_save()  # the field's keys before Enter are in it
        else:
            self.focus_next()

    # --- what would be lost ----------------------------------------------------------

    def typed_changes(self) -> bool:
        """Whether the clerk changed any field since the form opened (quitting or
        switching user would throw that away, so the app asks first)."""
        if self.saved or not self.is_mounted:
            return False
        return any(self.raw_value(spec) != opening_value(spec) for spec in self.fields)

    # --- saving -----------------------------------------------------------------

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        """ctrl+s (or the Save button): check and save what the fields hold once the
        keys typed before it have reached them. ctrl+s is a priority key, acted on
        as soon as the app reads it, while the letters typed just before it may
        still wait in the field's queue: typed in one read, ``123`` ctrl+s in the
        phone form saved the old number and closed the form, the digits lost."""
        self._save_after_typing(self.focused)

    def _save_after_typing(self, widget: Widget | None) -> None:
        if widget is None or not widget.is_attached:
            self._check_and_save()
            return

        def typed() -> None:
            now = self.focused
            if not self.is_attached:
                return
            if now is not None and now is not widget:
                # Enter or Tab typed before ctrl+s moved on, and handed the keys
                # behind it to the field now focused: save after those too.
                self._save_after_typing(now)
                return
            self._check_and_save()

        widget.call_later(typed)  # after the keys already queued for the widget

    def _check_and_save(self) -> None:
        if self.saving or not self.is_attached:
            return
        values: dict[str, Any] = {}
        first_bad: FormField | None = None
        for spec in self.fields:
            ok, value = self._check(spec)
            if not ok and first_bad is None:
                first_bad = spec
            values[spec.name] = value
        if first_bad is not None:
            self.query_one(f"#field-{first_bad.name}").focus()
            return
        self.query_one("#form-error", Static).update("Saving…")
        self.saving = True
        self.query_one("#form-save", Button).disabled = True
        self._save(values)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, values: dict[str, Any]) -> None:
        try:
            result = self.submit(values)
        except TerminalError as error:  # InputError included: the clerk can fix it here
            self.post_message(self.Failed(error))
            return
        self.post_message(self.Saved(result))

    def on_form_dialog_saved(self, message: Saved) -> None:
        self.saving, self.saved = False, True
        # Saved under the lock screen, the form closes after the unlock, and the
        # caller's notice or resident page shows then (the app's guard, .lock_guard).
        self.dismiss(message.result)
        self._save_settled()

    def _save_settled(self) -> None:
        """The save ended (taken or refused): a quit that waited for it goes on."""
        settled = getattr(self.app, "save_settled", None)
        if settled is not None:
            settled()

    def on_form_dialog_failed(self, message: Failed) -> None:
        self.saving = False
        self._save_settled()
        self.query_one("#form-save", Button).disabled = False
        self.query_one("#form-error", Static).update("")
        error = message.error
        if isinstance(error, InputError):
            self.show_error(getattr(error, "field", None), clerk_message(error))
        elif isinstance(error, SessionLocked):  # the lock's wait for this save ran out
            self.show_error(None, "The terminal locked before this save finished; your "
                                  "entries are kept here. Save again (ctrl+s).")
        else:
            self.show_error(None, clerk_message(error))

    def on_worker_failed(self) -> None:
        """A defect in the save: re-enable the form so nothing typed is lost."""
        self.saving = False
        self._save_settled()
        self.query_one("#form-save", Button).disabled = False
        self.query_one("#form-error", Static).update(
            Text("The change could not be saved; your entries are kept."))

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        """Close without saving: at once when nothing was typed, else only once the
        clerk says to throw the entries away (an Escape pressed by mistake lost a
        note typed at length)."""
        if self.saving or not self.typed_changes():
            self.dismiss(None)
            return

        def chosen(choice: str | None) -> None:
            if choice == DISCARD and self.is_attached:
                self.dismiss(None)

        self.app.push_screen(ChoiceDialog(
            "Discard what you typed?",
            Text(f"The form \u201c{self.form_title}\u201d has entries that are not saved. "
                 "Closing it throws them away. Cancel to go back and save them (ctrl+s)."),
            [(Text("Discard the entries and close"), DISCARD)], default=None), chosen)
