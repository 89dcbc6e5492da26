"""Forms for the users of this terminal: add one, change one's own passphrase.

Passphrases follow NIST SP 800-63B: at least 15 characters, any characters
(spaces and punctuation welcome), no composition rules, no forced changes; not
a common one and not the user's or the facility's name. The engine's
``check_password`` is the rule; the form runs it as the passphrase is typed and
shows its sentence next to the field, and the engine checks again on save.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from protocol.errors import ValidationError

from ..engine import InputError, InvalidCredentials, check_password, clerk_message
from .form import FormDialog
from .form_fields import FormField

GUIDANCE = ("A passphrase of at least 15 characters. Any characters work, spaces and "
            "punctuation included: a short sentence you will remember is best. Not a "
            "common one, not your user name, not the facility's name.")


def _nist_check(username: str, facility_name: str) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        try:
            check_password(str(value), username=username, facility_name=facility_name)
        except InputError as error:
            raise ValidationError(name, clerk_message(error)) from None
        return value

    return check


def _same_twice(values: dict[str, Any]) -> None:
    if values["password"] != values["confirm"]:
        raise InputError("confirm", "The two passphrases differ: type the same one twice.")


def add_user(facility_name: str, submit: Callable[[str, str], None]) -> FormDialog[bool]:
    """Give a user of the facility a key slot here (or reset a disabled one)."""
    fields = [
        FormField("username", "User name", placeholder="as the facility's server knows it",
                  hint="A user of this facility; sync first if they were added today."),
        FormField("password", "Their passphrase", password=True,
                  check=_nist_check("", facility_name)),
        FormField("confirm", "The same passphrase again", password=True),
    ]

    def save(values: dict[str, Any]) -> bool:
        _same_twice(values)
        submit(values["username"].strip(), values["password"])
        return True

    return FormDialog("Add a user to this terminal", fields, save,
                      intro=GUIDANCE + " For a user already here, this resets a disabled "
                            "sign-in with the new passphrase.", submit_label="Add user")


def change_password(username: str, facility_name: str,
                    submit: Callable[[str, str], None]) -> FormDialog[bool]:
    """Change the signed-in user's own passphrase at this terminal."""
    fields = [
        FormField("current_password", "Current passphrase", password=True),
        FormField("password", "New passphrase", password=True,
                  check=_nist_check(username, facility_name)),
        FormField("confirm", "The new passphrase again", password=True),
    ]

    def save(values: dict[str, Any]) -> bool:
        _same_twice(values)
        try:
            submit(values["current_password"], values["password"])
        except InvalidCredentials as error:
            raise InputError("current_password", clerk_message(error)) from None
        return True

    return FormDialog(f"Change the passphrase of {username}", fields, save,
                      intro=GUIDANCE + " It changes at this terminal only.",
                      submit_label="Change passphrase")
