"""ICD-10-CM diagnosis codes, checked against the real code set.

A resident's diagnosis must name a code that exists and is billable: a code with
no codes below it (``E11.9``, not the category ``E11``; ``S72.001A`` with its
seventh character, not ``S72.001``). The terminal refuses at entry what the
server refuses, with the same sentence, because both call :func:`problem`
through the diagnosis field's check in :mod:`protocol.records`.

The code set is CMS's ICD-10-CM as the ``simple-icd-10-cm`` package ships it
(:data:`EDITION`). It is data, read once from the installed package, never from
the network. Reading it takes a few seconds and about 150 MB; it happens once per
process, on first use, or earlier through :func:`load` (the terminal calls it in
a worker at start, the server when it starts).
"""

from __future__ import annotations

import importlib
import threading
import warnings
from dataclasses import dataclass
from functools import cache
from types import ModuleType

EDITION = "ICD-10-CM FY2026 (April 1, 2026 update)"
"""The code set in force: the one ``simple-icd-10-cm`` 1.5 ships."""

SEARCH_LIMIT = 30

_loading = threading.Lock()


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    description: str


@cache
def _code_set() -> ModuleType:
    with _loading, warnings.catch_warnings():
        # The package reads its data with importlib.resources.read_text, which
        # Python 3.11 deprecates; the data it reads is what matters here.
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module("simple_icd_10_cm")


def load() -> None:
    """Read the code set now (a few seconds), so the first check is quick."""
    _code_set()
    _billable()


def is_loaded() -> bool:
    """Whether a check now answers at once (the code set has been read)."""
    return _code_set.cache_info().currsize > 0


def normalise(code: str) -> str:
    """``e119`` and ``E11.9 `` as ``E11.9`` (the dot after the third character)."""
    text = code.strip().upper().replace(".", "")
    return text if len(text) <= 3 else f"{text[:3]}.{text[3:]}"


def problem(code: str) -> str | None:
    """Why ``code`` (already shaped like ``E11.9``) cannot be a diagnosis, or None."""
    icd = _code_set()
    code = normalise(code)
    if not icd.is_valid_item(code) or icd.is_chapter_or_block(code):
        return (f"{code} is not in the ICD-10-CM code set ({EDITION}); "
                "check the code or search by words")
    if not icd.is_leaf(code):
        below = [c for c in icd.get_descendants(code) if icd.is_leaf(c)]
        example = f", such as {below[0]} ({icd.get_description(below[0])})" if below else ""
        return (f"{code} is a category, not a billable code: choose a code under it"
                f"{example}")
    return None


def description(code: str) -> str | None:
    """The code set's description of ``code``, or None for a code not in it."""
    icd = _code_set()
    code = normalise(code)
    if not icd.is_valid_item(code) or icd.is_chapter_or_block(code):
        return None
    return str(icd.get_description(code))


@cache
def _billable() -> tuple[tuple[str, str, str], ...]:
    """Every billable code with its description, and the description in lower case."""
    icd = _code_set()
    rows = []
    for code in icd.get_all_codes(True):
        if icd.is_chapter_or_block(code) or not icd.is_leaf(code):
            continue
        text = str(icd.get_description(code))
        rows.append((code, text, text.casefold()))
    return tuple(rows)


def search(text: str, limit: int = SEARCH_LIMIT) -> list[Code]:
    """Billable codes for what a clerk types: the start of a code (``E11``) or
    words of the description in any order (``diabetes type 2``), the general
    codes first (shorter codes, then shorter descriptions: ``E11.9`` before
    ``E11.621``, ``I10`` before the many specific kinds of hypertension)."""
    words = text.casefold().split()
    if not words:
        return []
    start = normalise(text) if len(words) == 1 else None
    found = [(code, desc) for code, desc, folded in _billable()
             if (start is not None and code.startswith(start))
             or all(word in folded for word in words)]
    found.sort(key=lambda item: (not (start and item[0].startswith(start)), len(item[0]),
                                 len(item[1]), item[0]))
    return [Code(code, desc) for code, desc in found[:max(limit, 0)]]
