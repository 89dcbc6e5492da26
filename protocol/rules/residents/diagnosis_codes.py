"""ICD-10-CM diagnosis codes, checked against the real code set.

A resident's diagnosis must name a code that exists and is billable: a code with
no codes below it (``E11.9``, not the category ``E11``; ``S72.001A`` with its
seventh character, not ``S72.001``). The terminal refuses at entry what the
server refuses, with the same sentence, because both call :func:`problem`
through the diagnosis field's check in :mod:`protocol.records`.

The code set is CMS's ICD-10-CM as the ``simple-icd-10-cm`` package ships it
(:data:`EDITION`). It is data, read from the installed package, never from the
network, in two sizes:

- the check (:func:`problem`) reads only the package's flat list of codes (about
  100,000 lines, tens of milliseconds, a few MB), so a server process or a test
  pays next to nothing for it;
- descriptions and search (:func:`description`, :func:`search`) need the whole
  classification, which the package builds from its XML: a few seconds and about
  150 MB, once per process, on first use or earlier through :func:`load` (the
  terminal's diagnosis form calls it in a worker). The server never needs it.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
import warnings
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
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


CODE_LIST = "code-list-April-2026.txt"
"""The package's flat list of every code (chapters, blocks, categories, codes,
depth first, without dots): the file of the pinned ``simple-icd-10-cm`` 1.5.0."""


@dataclass(frozen=True, slots=True)
class _CodeList:
    codes: tuple[str, ...]
    """Categories and codes, without dots, in the file's (depth-first) order."""
    position: dict[str, int]
    billable: frozenset[str]
    """Codes with nothing below them."""


@cache
def _code_list() -> _CodeList:
    spec = importlib.util.find_spec("simple_icd_10_cm")  # finds it without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the ICD-10-CM code set (package simple-icd-10-cm) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / CODE_LIST
    lines = path.read_text(encoding="utf-8").split()
    # Chapters are numbers and blocks ranges ("A00-A09"): neither is a diagnosis.
    codes = tuple(line for line in lines if not line.isdigit() and "-" not in line)
    billable = frozenset(code for code, after in zip(codes, (*codes[1:], ""), strict=True)
                         if not after.startswith(code))
    return _CodeList(codes, {code: i for i, code in enumerate(codes)}, billable)


def load() -> None:
    """Read the whole classification now (a few seconds), so descriptions and
    search answer at once."""
    _code_list()
    _code_set()
    _billable()


def is_loaded() -> bool:
    """Whether descriptions and search now answer at once."""
    return _code_set.cache_info().currsize > 0 and _billable.cache_info().currsize > 0


def normalise(code: str) -> str:
    """``e119`` and ``E11.9 `` as ``E11.9`` (the dot after the third character)."""
    text = code.strip().upper().replace(".", "")
    return text if len(text) <= 3 else f"{text[:3]}.{text[3:]}"


def problem(code: str) -> str | None:
    """Why ``code`` (already shaped like ``E11.9``) cannot be a diagnosis, or None."""
    listed = _code_list()
    code = normalise(code)
    bare = code.replace(".", "")
    if bare in listed.billable:
        return None
    at = listed.position.get(bare)
    if at is None:
        return (f"{code} is not in the ICD-10-CM code set ({EDITION}); "
                "check the code or search by words")
    # Depth first: the first billable code after a category is the first one under it.
    below = next((c for c in islice(listed.codes, at + 1, None) if c in listed.billable), "")
    example = f", such as {normalise(below)}" if below.startswith(bare) and below else ""
    return f"{code} is a category, not a billable code: choose a code under it{example}"


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
