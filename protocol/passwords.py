"""Password rules for people: NIST SP 800-63B-4, for a password that is the
only factor. One rule for the server's accounts and the terminal's key slots.

At least 15 characters, up to 256 accepted, any characters (Unicode
normalised with NFKC, each code point counts once), no composition rules, and
a blocklist: common passwords (a short list of our own, and the 30,000 most
common passwords of breach corpuses that the ``zxcvbn`` package ships), one or
two of them run together ("sunshinedragon12"), trivial patterns, and words from
the context (facility name, user name, product name) that make up most of the
password.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from itertools import pairwise

from .errors import ValidationError

MIN_LENGTH = 15
MAX_LENGTH = 256

COMMON = frozenset((
    "password", "password1", "password12", "password123", "password1234", "passw0rd",
    "p@ssw0rd", "p@ssword",
    "123456", "1234567", "12345678", "123456789", "1234567890", "12345678910", "123123",
    "111111", "000000", "654321",
    "qwerty", "qwerty123", "qwertyuiop", "qwertyuiopasdfghjkl", "asdfghjkl", "zxcvbnm",
    "iloveyou", "letmein", "welcome", "welcome1", "welcome123", "admin", "admin123",
    "administrator", "changeme", "changeme123", "secret",
    "football", "baseball", "dragon", "monkey", "sunshine", "princess", "master", "shadow",
    "superman", "trustno1",
    "nursinghome", "nurse", "healthcare", "hospital", "medical", "caregiver",
    "correcthorsebatterystaple", "passwordpassword", "passwordpassword1", "letmeinletmein",
    "iloveyouiloveyou", "qwertyqwerty", "administratoradministrator", "welcometothefacility",
    "mypasswordismypassword",
))

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


class PasswordRejected(ValidationError):
    """A password that breaks a rule; ``guidance`` is a sentence for the user."""

    def __init__(self, guidance: str) -> None:
        super().__init__("password", guidance)
        self.guidance = guidance


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _folded(text: str) -> str:
    return _NON_ALNUM.sub("", normalise(text).casefold())


def check_password(password: str, context: Iterable[str] = ()) -> str:
    """Return the normalised password, or raise :class:`PasswordRejected`."""
    value = normalise(password)
    if "\x00" in value:  # the one NUL rule (protocol.schema.NUL_REFUSED): no form takes one
        raise PasswordRejected("It cannot contain the NUL character; use letters, digits, "
                               "spaces or symbols.")
    if len(value) < MIN_LENGTH:
        raise PasswordRejected(f"Use at least {MIN_LENGTH} characters; a short sentence of "
                               "several words is easy to remember.")
    if len(value) > MAX_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_LENGTH} characters.")
    folded = _folded(value)
    if _is_common(folded) or _is_common(_strip_digits(folded)):
        raise PasswordRejected("That is too common a choice; choose something others "
                               "would not guess.")
    if len(set(folded)) <= 2 or _is_sequence(folded):
        raise PasswordRejected("Avoid repeated or sequential characters; choose a phrase.")
    words = {"chartkeep", *(_folded(word) for word in context)}
    for word in words:
        if len(word) >= 4 and word in folded and len(folded.replace(word, "")) < MIN_LENGTH:
            raise PasswordRejected("Do not build it from the facility name, your user "
                                   "name or the product name.")
    return value


@cache
def breached() -> frozenset[str]:
    """The 30,000 most common passwords of breach corpuses (zxcvbn's list, lower
    case), read once, when a password is first checked."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(_NON_ALNUM.sub("", word) for word in FREQUENCY_LISTS["passwords"])


def _is_common(folded: str) -> bool:
    """A common or breached password, or two of them run together (each of at
    least 4 characters: "sunshinedragon", "passwordpassword")."""
    common = breached()
    if folded in COMMON or folded in common:
        return True
    return any(folded[:cut] in common and folded[cut:] in common
               for cut in range(4, len(folded) - 3))


def _strip_digits(folded: str) -> str:
    return folded.rstrip("0123456789")


def _is_sequence(folded: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in pairwise(folded)}
    return len(steps) == 1 and steps <= {1, -1}


