"""Writing an export (a report, a PBJ file, a release packet, an extract) so that
only the user who made it can read it.

The export dialogs say "choose a place only you can reach"; the file itself is
made owner-only too (0600), whatever the process umask (0022 gives 0644, which
lets every account on the machine read residents' records). A file already
there is narrowed to 0600 before it is overwritten.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600


def write_owner_only(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (replacing it), readable and writable by its owner only.

    Raises :class:`OSError` as ``Path.write_bytes`` does.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), OWNER_ONLY)  # an existing file keeps its mode otherwise
        file.write(data)
