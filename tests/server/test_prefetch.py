"""A push batch reads the records its operations name in one query, however many
they name: a training with twenty attendees costs what one with two does."""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from protocol.ids import new_id


def _staff(t: Any, n: int) -> list[str]:
    ids = [new_id() for _ in range(n)]
    ops = [t.op("create", {"kind": "staff", "id": sid, "fields": {
        "employee_id": f"E-{i}", "family_name": f"Ng{i}", "given_name": "Lee",
        "job_title_code": 10, "pay_type_code": 2}}) for i, sid in enumerate(ids)]
    assert [r.status for r in t.push(ops).results] == ["applied"] * n
    return ids


def statements_while(engine: sa.Engine, wanted: Callable[[str], bool], run: Any) -> int:
    """How many statements ``wanted`` picks out of those sent while ``run()`` runs."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if wanted(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _record_reads(engine: sa.Engine, push: Any) -> int:
    """SELECTs of records by id while ``push`` runs."""
    return statements_while(engine, lambda statement: statement.lstrip().upper().startswith(
        "SELECT") and ("records.id IN" in statement or "records.id = ANY" in statement), push)


def test_training_attendees_are_read_with_the_batch_not_one_by_one(terminal, engine):
    t = terminal(username="rm_MG")
    staff = _staff(t, 22)

    def training(attendees: list[str]) -> Any:
        return t.op("create", {"kind": "training", "id": new_id(), "fields": {
            "held_on": "2026-08-14", "minutes": 60, "topics": ["dementia"],
            "title": "Dementia care", "attendees": attendees}})

    results: list[str] = []
    small = _record_reads(engine, lambda: results.extend(
        r.status for r in t.push([training(staff[:2])]).results))
    large = _record_reads(engine, lambda: results.extend(
        r.status for r in t.push([training(staff[2:])]).results))
    assert results == ["applied", "applied"]
    assert small >= 1
    assert large == small
