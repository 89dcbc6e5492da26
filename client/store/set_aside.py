"""A damaged terminal store, set aside so the terminal can be enrolled again and
fetch its facility's records from the server (security.md case 3: a store that
cannot be opened "refuses to run, says so, offers re-sync from the server;
audited").

Nothing is deleted: the terminal's files (its settings, the users' sign-in file
and the encrypted store with its WAL) move, still encrypted, into a folder of
their own under the terminal's directory, where an administrator may inspect or
remove them. The terminal is then not enrolled: the app opens its enrollment
screen, a new code from the regional manager enrolls it, and its first sync
brings back everything the server holds. What was recorded here and never sent
cannot be read from a damaged store; the server's copy is all there is, which is
why the clerk is told so before choosing. The next enrollment records, in the
new store's audit log, each folder set aside (:func:`note_set_aside`), and the
server's audit has the new enrollment.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Connection

from ..errors import NotEnrolled
from .database import audit
from .keyslots import SLOTS_FILE

STORE_FILE = "store.db"
TERMINAL_FILE = "terminal.json"
PREFIX = "set-aside-"
NOTED = "noted"
"""A file a folder gets once an enrollment has recorded it."""

FILES = (TERMINAL_FILE, SLOTS_FILE, STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm",
         f"{STORE_FILE}-journal")


def set_aside(home: Path, now_ms: int) -> Path:
    """Move the terminal's files into ``<home>/set-aside-<UTC time>/`` and return
    that folder; the terminal is then not enrolled. Refuses (NotEnrolled) when
    there is nothing to set aside."""
    home = Path(home)
    if not (home / TERMINAL_FILE).exists() and not (home / STORE_FILE).exists():
        raise NotEnrolled
    stamp = datetime.fromtimestamp(now_ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = home / f"{PREFIX}{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = home / f"{PREFIX}{stamp}-{suffix}"
    folder.mkdir(mode=0o700)
    # The settings file last: until it moves the terminal still reads as enrolled,
    # so a crash half-way leaves it "damaged", and setting aside again finishes.
    for name in sorted(FILES, key=lambda name: name == TERMINAL_FILE):
        with contextlib.suppress(FileNotFoundError):
            (home / name).replace(folder / name)
    return folder


def pending_folders(home: Path) -> list[Path]:
    """Folders set aside that no enrollment has recorded yet, oldest first."""
    home = Path(home)
    if not home.is_dir():
        return []
    return sorted(path for path in home.iterdir()
                  if path.is_dir() and path.name.startswith(PREFIX)
                  and not (path / NOTED).exists())


def note_set_aside(conn: Connection, home: Path, now_ms: int, user_id: str) -> list[str]:
    """Record each folder set aside since the last enrollment in the new store's
    audit log (its name and the terminal it held), and mark it recorded; the
    folders' names."""
    names = []
    for folder in pending_folders(home):
        old_terminal = None
        with contextlib.suppress(OSError, ValueError, AttributeError):
            old_terminal = json.loads((folder / TERMINAL_FILE).read_text("utf-8")).get(
                "terminal_id")
        audit(conn, now_ms, "store_set_aside", user_id, folder=folder.name,
              previous_terminal=old_terminal)
        names.append(folder.name)
    return names


def mark_noted(home: Path, names: list[str]) -> None:
    """After the enrollment committed: the folders are recorded."""
    for name in names:
        with contextlib.suppress(OSError):
            (Path(home) / name / NOTED).write_text("recorded in the audit log of the "
                                                   "terminal enrolled after it\n")
