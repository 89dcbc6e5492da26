"""What the terminal store's record integrity (client/store/integrity.py) costs:
writing N records, rewriting all of them, and opening the store (which checks
every record), each with the check and with it switched off.

    .venv/bin/python scripts/bench_integrity.py [N]     # default 10,000 records
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from client.store import database, integrity
from client.store.database import RECORDS, Store
from protocol.ids import new_id


def measure(n: int) -> tuple[float, float, float]:
    tmp = Path(tempfile.mkdtemp(prefix="ck-integrity-"))
    key = secrets.token_bytes(32)
    store = Store(tmp / "store.db", key, create=True)
    rows = [{"id": new_id(), "kind": "resident", "facility_id": "F", "status": "active",
             "data": json.dumps({"family_name": f"N{i}", "phone": "555-0100"}),
             "versions": "{}", "conflicts": "{}", "seq": i} for i in range(n)]
    started = time.perf_counter()
    with store.write() as conn:
        conn.execute(RECORDS.insert(), rows)
    written = time.perf_counter() - started
    started = time.perf_counter()
    with store.write() as conn:
        conn.execute(RECORDS.update().values(status="discharged"))
    rewritten = time.perf_counter() - started
    store.close()
    started = time.perf_counter()
    Store(tmp / "store.db", key).close()
    return written, rewritten, time.perf_counter() - started


def _unchecked(_self: Store) -> None:
    """The store's open without the record check."""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seal, check = integrity.seal, database.Store._check_integrity  # noqa: SLF001  measured off
    for label, on in (("with", True), ("without", False)) * 2:
        integrity.seal = seal if on else (lambda _conn, _key: None)
        database.Store._check_integrity = check if on else _unchecked  # type: ignore[method-assign]  # noqa: SLF001
        written, rewritten, opened = measure(n)
        print(f"{label:8} {n} records: write {written:.3f} s, rewrite all {rewritten:.3f} s, "
              f"open {opened:.3f} s")


if __name__ == "__main__":
    main()
