"""Scenario 34: 2-5 terminals of one facility make random changes offline while
the link drops, duplicates and replays messages, the server fails mid-push
before or after committing, the server is restored from a backup taken earlier
(a real file copy, undeclared) and terminals are restored from older copies of
their directories; after quiescence every terminal equals the server's state
for its facility, every operation has exactly one result, and the occupancy
invariants held at every server state the test looked at."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from client import terminal
from client.clock import ManualClock
from client.errors import TerminalError
from client.store.database import OUTBOX
from client.sync.transport import FaultyTransport, HttpTransport

from .backups import restore_backup, take_backup
from .conftest import PASSWORD, START, Org, make_facility, resident, terminal_records

IN_CI = os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}
FIELDS = {"phone": ["555-0101", "555-0202", "555-0303"],
          "address": ["1 Elm St", "2 Oak Ave", "3 Pine Rd"],
          "family_name": ["Okafor", "Okafor-Diallo", "Diallo"]}
_names = itertools.count()


class Stale:
    """Requests a terminal sent, kept to be delivered again much later
    (a reordered or replayed message)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: list[tuple[str, bytes]] = []

    def post(self, path: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.sent.append((path, body))
        return self.inner.post(path, body, timeout)


def run_machine(org: Org) -> None:
    class Facility(RuleBasedStateMachine):
        residents = Bundle("residents")

        @initialize(n=st.integers(2, 5), seed=st.integers(0, 2**32 - 1))
        def setup(self, n: int, seed: int) -> None:
            number = next(_names)
            self.fac = make_facility(org.engine, org.settings, f"Facility {number}",
                                     f"Z{number}", beds=3)
            rng = random.Random(seed)
            users = list(self.fac.users)
            self.links: list[FaultyTransport] = []
            self.stale: list[Stale] = []
            self.terms = []
            for i in range(n):
                stale = Stale(HttpTransport(org.url))
                link = FaultyTransport(stale, p_drop_request=0.15, p_drop_response=0.15,
                                       p_duplicate=0.1, rng=random.Random(rng.random()),
                                       paths=frozenset({"/v1/push", "/v1/pull"}),
                                       sleep=lambda _s: None)
                self.links.append(link)
                self.stale.append(stale)
                self.terms.append(org.terminal(self.fac, users[i % len(users)],
                                               transport=link))
            self.usernames = [users[i % len(users)] for i in range(n)]
            self.server_backup: Path | None = None
            self.term_copies: dict[int, Path] = {}
            self.restored: set[int] = set()

        @rule(target=residents, t=st.integers(0, 4), name=st.sampled_from(["Ng", "Ruiz"]))
        def register(self, t: int, name: str) -> str:
            term = self.terms[t % len(self.terms)]
            return term.residents.register(resident(family_name=name))

        @rule(t=st.integers(0, 4), rid=residents, field=st.sampled_from(sorted(FIELDS)),
              choice=st.integers(0, 2))
        def edit(self, t: int, rid: str, field: str, choice: int) -> None:
            term = self.terms[t % len(self.terms)]
            # Not at this terminal yet, or voided: the clerk is told why.
            with contextlib.suppress(TerminalError):
                term.residents.update(rid, {field: FIELDS[field][choice]})

        @rule(t=st.integers(0, 4), rid=residents, body=st.text(min_size=1, max_size=20).filter(
            lambda s: s.strip() and "\x00" not in s))
        def note(self, t: int, rid: str, body: str) -> None:
            term = self.terms[t % len(self.terms)]
            with contextlib.suppress(TerminalError):
                term.notes.add(rid, {"category": "progress", "clinical_time": "2026-11-02T09:00",
                                     "body": body})

        @rule(t=st.integers(0, 4), rid=residents, bed=st.integers(0, 3))
        def admit(self, t: int, rid: str, bed: int) -> None:
            term = self.terms[t % len(self.terms)]
            with contextlib.suppress(TerminalError):
                term.stays.admit(rid, admitted_at="2026-11-02",
                                 bed_id=self.fac.beds[bed] if bed < 3 else None)

        @rule(t=st.integers(0, 4))
        def discharge_someone(self, t: int) -> None:
            term = self.terms[t % len(self.terms)]
            for row in term.residents.census(limit=20).rows:
                view = term.residents.get(row.id)
                active = [s for s in view.stays if s.status == "active" and not s.pending]
                if active:
                    with contextlib.suppress(TerminalError):
                        term.stays.discharge(active[0].id, discharged_at="2026-11-05",
                                             disposition="home")
                    return

        @rule(t=st.integers(0, 4))
        def sync(self, t: int) -> None:
            self.terms[t % len(self.terms)].sync()

        @rule(stage=st.sampled_from(["push:before_commit", "push:after_commit"]))
        def server_dies_mid_push(self, stage: str) -> None:
            """The next push fails at ``stage`` (before its commit: nothing
            applied; after it: the answer lost), as a crash would leave it."""
            armed = {"on": True}

            def hook(at: str) -> None:
                if armed["on"] and at == stage:
                    armed["on"] = False
                    raise RuntimeError(f"crash at {at}")

            org.settings.faults = hook

        @rule()
        def back_up_the_server(self) -> None:
            folder = org.tmp / f"backup-{next(_names)}"
            folder.mkdir()
            self.server_backup = take_backup(org, folder)

        @precondition(lambda self: getattr(self, "server_backup", None) is not None)
        @rule()
        def restore_the_server(self) -> None:
            # Undeclared: the terminals must notice by themselves.
            assert self.server_backup is not None
            restore_backup(org, self.server_backup)
            self.server_backup = None

        @rule(t=st.integers(0, 4))
        def copy_a_terminal(self, t: int) -> None:
            i = t % len(self.terms)
            term = self.terms[i]
            term.lock()
            copy = org.tmp / f"copy-{next(_names)}"
            shutil.copytree(term.home, copy)
            self.term_copies[i] = copy
            self.terms[i] = self._reopen(i)

        @precondition(lambda self: bool(getattr(self, "term_copies", None)))
        @rule(t=st.integers(0, 4))
        def restore_a_terminal(self, t: int) -> None:
            i = sorted(self.term_copies)[t % len(self.term_copies)]
            term = self.terms[i]
            term.lock()
            shutil.rmtree(term.home)
            shutil.copytree(self.term_copies.pop(i), term.home)
            self.terms[i] = self._reopen(i)
            self.restored.add(i)

        def _reopen(self, i: int) -> Any:
            return terminal.unlock(self.terms[i].home, self.usernames[i], PASSWORD,
                                   transport=self.links[i], clock=ManualClock(START),
                                   sleep=lambda _s: None)

        @precondition(lambda self: any(s.sent for s in self.stale))
        @rule(t=st.integers(0, 4), pick=st.integers(0, 10_000))
        def replay_old_message(self, t: int, pick: int) -> None:
            stale = self.stale[t % len(self.stale)]
            if not stale.sent:
                return
            path, body = stale.sent[pick % len(stale.sent)]
            status, _ = stale.inner.post(path, body, 10)
            # Every message carries a counter the server has already seen, and an
            # enrollment code works once: a replay is refused and changes nothing.
            assert status == (410 if path == "/v1/enroll" else 409)

        @invariant()
        def occupancy_holds(self) -> None:
            if not hasattr(self, "fac"):
                return
            with org.engine.connect() as conn:
                per_bed = conn.execute(sa.text(
                    "SELECT bed_id FROM stays WHERE facility_id = :f AND bed_id IS NOT NULL "
                    "AND status IN ('active', 'on_leave') GROUP BY bed_id "
                    "HAVING count(*) > 1"), {"f": self.fac.id}).all()
                per_resident = conn.execute(sa.text(
                    "SELECT resident_id FROM stays WHERE facility_id = :f "
                    "AND status IN ('active', 'on_leave') GROUP BY resident_id "
                    "HAVING count(*) > 1"), {"f": self.fac.id}).all()
            assert per_bed == [] and per_resident == []

        def teardown(self) -> None:
            org.settings.faults = None
            if not hasattr(self, "terms"):
                return
            for link in self.links:
                link.p_drop_request = link.p_drop_response = link.p_duplicate = 0.0
            for _ in range(3):
                for term in self.terms:
                    report = term.sync()
                    assert report.error is None, report.error
            server = org.server_records(self.fac)
            with org.engine.connect() as conn:
                stored = {(r.terminal_id, r.seq): r.status for r in conn.execute(sa.text(
                    "SELECT terminal_id, seq, status FROM ops"))}
            for i, term in enumerate(self.terms):
                assert terminal_records(term) == server
                with term.store.read() as conn:
                    rows = conn.execute(sa.select(OUTBOX.c.seq, OUTBOX.c.status)
                                        .order_by(OUTBOX.c.seq)).all()
                seqs = [r.seq for r in rows]
                if i not in self.restored:  # a restored copy renumbers past what it forgot
                    assert seqs == list(range(1, len(seqs) + 1))  # gapless
                for row in rows:
                    assert row.status in ("applied", "conflict", "rejected")
                    assert stored[(term.terminal_id, row.seq)] == row.status
                term.lock()

    Facility.TestCase.settings = settings(
        max_examples=15 if IN_CI else 6, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    Facility.TestCase().runTest()


def test_scenario_34_random_terminals_faults_and_quiescence(org: Org) -> None:
    run_machine(org)
