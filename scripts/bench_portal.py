"""Portal page times at 50 facilities on SQLite: each page (and a few JSON
twins) fetched over loopback HTTP by a signed-in regional manager of all of
them, after every facility has a terminal, residents, notes, held and
rejected operations, and its dashboard figures have been computed (the time
that takes per facility is reported too). Reports the median and the 95th
percentile per page, and of a report download apart (a download is not a page)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from demo_portal import Browser

from protocol import hlc
from protocol.ids import new_id
from protocol.messages import EnrollRequest, PushRequest
from protocol.ops import Operation, OpType
from protocol.signing import new_private_key, prove_possession, public_bytes, seal
from server import admin
from server.core.authentication import TerminalInfo
from server.core.service import SyncService
from server.http.runner import ServerThread
from server.portal import accounts, figures
from server.settings import Settings
from server.storage.db import make_engine

PASSWORD = "benchmarks are measured not guessed"


def _facility(engine: Any, settings: Settings, service: SyncService, n: int,
              residents: int) -> str:
    fid = admin.create_facility(engine, settings, name=f"Facility {n:02d}", state="OH",
                                mrn_prefix=f"F{n:02d}")
    unit = admin.create_unit(engine, settings, facility_id=fid, name="Main")
    for bed in range(10):
        admin.create_bed(engine, settings, unit_id=unit, label=f"{bed + 1}-A")
    for role in ("clerk", "records_manager"):
        admin.create_user(engine, settings, facility_id=fid, username=f"{role}_{n}", role=role)
    key = new_private_key()
    code = admin.issue_code(engine, settings, facility_id=fid)
    request = EnrollRequest(code, "front desk", public_bytes(key), prove_possession(key, code),
                            f"clerk_{n}")
    enrolled = service.enroll(seal(key, "enroll", "new", 0, request.to_wire()), request)
    info = TerminalInfo(enrolled.terminal_id, fid, public_bytes(key))
    now = settings.clock()
    ops = []
    for seq in range(1, residents + 1):
        payload = {"kind": "resident", "id": new_id(), "fields": {
            "mrn": f"F{n:02d}{seq:05d}", "family_name": f"Family{seq}", "given_name": "Ann",
            "birth_date": "1940-02-03", "sex": "female"}}
        ops.append(Operation(new_id(), seq, OpType.CREATE, fid, enrolled.user_id,
                             hlc.pack(now, 0), payload, 1))
    ops.extend(Operation(new_id(), seq, OpType.UPDATE, fid, enrolled.user_id, hlc.pack(now, 0),
                         {"kind": "resident", "id": new_id(),  # no such record: rejected
                          "changes": {"phone": ["555-0100", 1]}}, 1)
               for seq in range(residents + 1, residents + 6))
    push = PushRequest(ops, 1)
    service.push(info, seal(key, "push", info.id, 1, push.to_wire(), ts=now), push)
    admin.deactivate_user(engine, settings, username=f"clerk_{n}")
    held = [Operation(new_id(), seq, OpType.CREATE, fid, enrolled.user_id, hlc.pack(now, 0),
                      {"kind": "resident", "id": new_id(), "fields": {
                          "mrn": f"F{n:02d}H{seq}", "family_name": "Held", "given_name": "Hal",
                          "birth_date": "1940-02-03", "sex": "male"}}, 1)
            for seq in range(residents + 6, residents + 9)]
    push = PushRequest(held, 1)
    service.push(info, seal(key, "push", info.id, 2, push.to_wire(), ts=now), push)
    return fid


DOWNLOADS = ("/reports/census.csv", "/reports/census.pdf", "/reports/entrance-pack.zip")
"""Downloads timed apart from the pages (prefix ``download``)."""


def portal_pages(tmp: Path, *, facilities: int = 50, residents: int = 200,
                 repeats: int = 20) -> dict[str, tuple[float, float]]:
    """``{page: (median ms, p95 ms)}``; downloads as ``download …``, and the
    figures' computation per facility as ``figures per facility`` (median and
    slowest)."""
    settings = Settings(data_dir=tmp, worker_threads=4)
    with ServerThread(settings) as server:
        engine = make_engine(settings.database_url)
        try:
            service = SyncService(engine, settings)
            ids = [_facility(engine, settings, service, n, residents)
                   for n in range(facilities)]
            made = accounts.create_account(engine, settings, username="bench_rm",
                                           role="regional_manager", password=PASSWORD,
                                           facilities=ids)
            computing = []
            for fid in ids:
                started = time.perf_counter()
                figures.refresh(engine, settings, fid)
                computing.append((time.perf_counter() - started) * 1000)
        finally:
            engine.dispose()
        browser = Browser(server.url)
        browser.open("/portal/sign-in")
        browser.open("/portal/sign-in", {"username": "bench_rm", "password": PASSWORD})
        browser.open("/portal/sign-in/code", {
            "code": accounts.totp_code(made.totp_secret or "", int(time.time() * 1000))})
        _, dashboard = browser.open("/portal.json")
        expected = '"held": 3, "rejected": 5'
        if dashboard.count(expected) != facilities or dashboard.count('"audit_ok": true') \
                != facilities:
            raise RuntimeError("the benchmark's facilities are not populated as intended")
        one = f"/portal/facilities/{ids[facilities // 2]}"
        pages = ["/portal", "/portal.json", one, one + ".json", one + "/held", one + "/rejected",
                 one + "/conflicts", one + "/users", one + "/settings", one + "/audit",
                 one + "/reports", one + "/trend.svg",
                 "/portal/inspections", "/portal/inspections/new", "/portal/account"]
        computing.sort()
        out: dict[str, tuple[float, float]] = {
            "figures per facility": (statistics.median(computing), computing[-1])}
        for page in [*pages, *(one + d for d in DOWNLOADS)]:
            get = browser.fetch if page.endswith((*DOWNLOADS, ".svg")) else browser.open
            get(page)  # warm
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                get(page)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            name = page.replace(ids[facilities // 2], "{id}")
            out[("download " if page.endswith(DOWNLOADS) else "") + name] = (
                statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)])
        return out


if __name__ == "__main__":
    import os
    import secrets
    import tempfile

    os.environ.setdefault("CHARTKEEP_SERVER_KEY_PASSPHRASE", secrets.token_urlsafe(24))
    with tempfile.TemporaryDirectory(prefix="chartkeep-portal-bench-") as where:
        for name, (median, p95) in portal_pages(Path(where)).items():
            print(f"{name:40} median {median:6.1f} ms   p95 {p95:6.1f} ms")
