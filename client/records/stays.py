"""Stays: invariant-bearing commands the server executes (admit, discharge,
transfer, assign bed, leave, return), shown as pending until it answers; the
bed board and the admission/discharge movements."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from protocol.ids import new_id
from protocol.ops import OpType
from protocol.records import RecordKind

from ..store.database import OUTBOX, RECORDS, loads, unpack_payload
from ..store.outbox import Actor, record_op
from ..store.overlay import combine, overlay_ops
from ..views import BedRow, Movement
from .changes import load


def _command(actor: Actor, name: str, args: Mapping[str, Any], *, resident_id: str,
             summary: str) -> int:
    clean = {k: v for k, v in args.items() if v is not None}
    seq, _ = record_op(actor, OpType.COMMAND, {"name": name, "args": clean},
                       summary=summary, subject_id=resident_id)
    return seq


def _resident_of(actor: Actor, stay_id: str) -> tuple[str, str]:
    with actor.store.read() as conn:
        resident_id = str(load(conn, RecordKind.STAY, stay_id).data.get("resident_id") or "")
        label = conn.execute(sa.select(RECORDS.c.label).where(RECORDS.c.id == resident_id)
                             ).scalar()
    return resident_id, label or "a resident"


def admit(actor: Actor, resident_id: str, *, admitted_at: str, bed_id: str | None = None,
          admission_type: str = "new", payer: str | None = None) -> str:
    with actor.store.read() as conn:
        label = load(conn, RecordKind.RESIDENT, resident_id).state
    name = _name(label.data if label else {})
    stay_id = new_id(actor.clock.ms())
    _command(actor, "admit", {"stay_id": stay_id, "resident_id": resident_id,
                              "admitted_at": admitted_at, "bed_id": bed_id,
                              "admission_type": admission_type, "payer": payer},
             resident_id=resident_id, summary=f"Admit {name}")
    return stay_id


def discharge(actor: Actor, stay_id: str, *, discharged_at: str, disposition: str | None = None,
              destination: str | None = None) -> int:
    resident_id, label = _resident_of(actor, stay_id)
    return _command(actor, "discharge", {"stay_id": stay_id, "discharged_at": discharged_at,
                                         "disposition": disposition,
                                         "destination": destination},
                    resident_id=resident_id, summary=f"Discharge {label}")


def transfer(actor: Actor, stay_id: str, *, to_facility_id: str, at: str) -> int:
    resident_id, label = _resident_of(actor, stay_id)
    return _command(actor, "transfer", {"stay_id": stay_id, "to_facility_id": to_facility_id,
                                        "at": at},
                    resident_id=resident_id, summary=f"Transfer {label} to another facility")


def assign_bed(actor: Actor, stay_id: str, bed_id: str) -> int:
    resident_id, label = _resident_of(actor, stay_id)
    with actor.store.read() as conn:
        bed = loads(conn.execute(sa.select(RECORDS.c.data).where(RECORDS.c.id == bed_id)
                                 ).scalar()) or {}
    return _command(actor, "assign_bed", {"stay_id": stay_id, "bed_id": bed_id},
                    resident_id=resident_id,
                    summary=f"Assign bed {bed.get('label', '')} to {label}".replace("  ", " "))


def leave(actor: Actor, stay_id: str, *, leave_type: str, at: str, bed_hold: bool = True) -> int:
    resident_id, label = _resident_of(actor, stay_id)
    return _command(actor, "leave", {"stay_id": stay_id, "leave_type": leave_type, "at": at,
                                     "bed_hold": bed_hold},
                    resident_id=resident_id, summary=f"Leave of absence for {label}")


def return_from_leave(actor: Actor, stay_id: str, *, at: str) -> int:
    resident_id, label = _resident_of(actor, stay_id)
    return _command(actor, "return", {"stay_id": stay_id, "at": at},
                    resident_id=resident_id, summary=f"Return of {label} from leave")


def _name(data: Mapping[str, Any]) -> str:
    return f"{data.get('family_name', '')}, {data.get('given_name', '')}".strip(", ")


# --- reads -------------------------------------------------------------------------------


def beds(conn: Connection) -> list[BedRow]:
    """The bed board: the server's occupancy with this terminal's pending bed
    commands on top (marked pending)."""
    rows = conn.execute(sa.select(RECORDS).where(RECORDS.c.kind == "bed")
                        .order_by(RECORDS.c.sort_key)).all()
    bed_ops = overlay_ops(conn, [r.id for r in rows])
    state: dict[str, dict[str, Any]] = {}
    for row in rows:
        eff = combine("bed", row.id, row, bed_ops[row.id])
        d = eff.data
        state[row.id] = {"unit": d.get("unit_name") or "", "label": d.get("label") or "",
                         "resident": d.get("_resident_id"), "held": bool(d.get("_held")),
                         "oos": bool(d.get("out_of_service")), "pending": eff.pending}
    _lay_pending_commands(conn, state)
    names = _labels(conn, [s["resident"] for s in state.values() if s["resident"]])
    out = []
    for bed_id, s in state.items():
        if s["oos"]:
            kind = "out_of_service"
        elif s["resident"] and s["held"]:
            kind = "held"
        elif s["resident"]:
            kind = "occupied"
        else:
            kind = "held" if s["held"] else "free"
        out.append(BedRow(unit_name=s["unit"], bed_id=bed_id, label=s["label"], state=kind,
                          resident_id=s["resident"], resident_name=names.get(s["resident"]),
                          pending=s["pending"]))
    return out


def _lay_pending_commands(conn: Connection, beds_state: dict[str, dict[str, Any]]) -> None:
    rows = conn.execute(sa.select(OUTBOX).where(OUTBOX.c.op_type == "command",
                                                OUTBOX.c.status.in_(("pending", "held")))
                        .order_by(OUTBOX.c.seq)).all()
    for row in rows:
        p = unpack_payload(row.payload)
        args, resident = p["args"], row.subject_id

        def free_of(resident_id: str | None) -> None:
            for s in beds_state.values():
                if s["resident"] == resident_id:
                    s.update(resident=None, held=False, pending=True)

        if p["name"] in ("admit", "assign_bed") and args.get("bed_id") in beds_state:
            free_of(resident)
            beds_state[args["bed_id"]].update(resident=resident, held=False, pending=True)
        elif p["name"] in ("discharge", "transfer"):
            free_of(resident)
        elif p["name"] == "leave":
            for s in beds_state.values():
                if s["resident"] == resident:
                    if args.get("bed_hold", True):
                        s.update(held=True, pending=True)
                    else:
                        s.update(resident=None, held=False, pending=True)
        elif p["name"] == "return":
            for s in beds_state.values():
                if s["resident"] == resident:
                    s.update(held=False, pending=True)


def _labels(conn: Connection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(conn.execute(sa.select(RECORDS.c.id, RECORDS.c.label)
                             .where(RECORDS.c.id.in_(sorted(set(ids))))).all())


def movements(conn: Connection, today_iso: str, days: int = 30) -> list[Movement]:
    """Admissions and discharges dated within the last ``days`` days."""
    from datetime import date

    cutoff = (date.fromisoformat(today_iso) - timedelta(days=days)).isoformat()
    admitted = sa.func.json_extract(RECORDS.c.data, "$.admitted_at")
    discharged = sa.func.json_extract(RECORDS.c.data, "$.discharged_at")
    rows = conn.execute(sa.select(RECORDS).where(
        RECORDS.c.kind == "stay",
        sa.or_(admitted >= cutoff, discharged >= cutoff, RECORDS.c.pending > 0,
               RECORDS.c.data.is_(None)))).all()
    ops = overlay_ops(conn, [r.id for r in rows if r.pending or r.data is None])
    found: list[tuple[str, str, str, bool]] = []
    for row in rows:
        eff = combine("stay", row.id, row, ops.get(row.id, []))
        d = eff.data
        resident = d.get("resident_id")
        if not resident:
            continue
        if (d.get("admitted_at") or "") >= cutoff and d.get("admission_type") != "return":
            found.append(("admission", str(d["admitted_at"])[:10], resident, eff.pending))
        if d.get("discharged_at") and str(d["discharged_at"]) >= cutoff:
            found.append(("discharge", str(d["discharged_at"])[:10], resident, eff.pending))
    names = _labels(conn, [f[2] for f in found])
    found.sort(key=lambda f: (f[1], f[0]), reverse=True)
    return [Movement(kind=k, date=day, resident_id=r, resident_name=names.get(r, ""),
                     pending=p) for k, day, r, p in found]
