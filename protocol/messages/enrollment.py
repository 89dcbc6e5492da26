"""``enroll``/``enrolled`` and ``reregister``/``reregistered``: how a terminal
becomes known to the server, and its certificate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..schema import (
    as_map,
    only_keys,
    opt_text,
    req_bytes,
    req_int,
    req_str,
    req_text,
)
from .pull import MrnPool


@dataclass(frozen=True)
class EnrollRequest:
    code: str
    terminal_name: str
    public_key: bytes
    proof: bytes
    username: str

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.terminal_name, "key": self.public_key,
                "proof": self.proof, "user": self.username}

    @classmethod
    def from_wire(cls, value: Any) -> EnrollRequest:
        raw = as_map(value, "enroll")
        only_keys(raw, {"code", "name", "key", "proof", "user"}, "enroll")
        return cls(code=req_text(raw, "code", 64), terminal_name=req_text(raw, "name", 100),
                   public_key=req_bytes(raw, "key", 32), proof=req_bytes(raw, "proof", 64),
                   username=req_text(raw, "user", 100))


@dataclass(frozen=True)
class EnrollResponse:
    terminal_id: str
    facility_id: str
    facility_name: str
    server_public_key: bytes
    user_id: str
    username: str
    role: str
    mrn_pool: MrnPool
    server_time: int
    certificate: bytes = b""
    """A ``terminal_cert`` envelope the server signed: this terminal's id, key
    and facility. With it a terminal enrolled after the server's last backup
    re-registers itself if the server is restored from that backup."""

    def to_wire(self) -> dict[str, Any]:
        return {"terminal": self.terminal_id, "facility": self.facility_id,
                "facility_name": self.facility_name, "server_key": self.server_public_key,
                "user_id": self.user_id, "user": self.username, "role": self.role,
                "mrns": self.mrn_pool.to_wire(), "time": self.server_time,
                "cert": self.certificate}

    @classmethod
    def from_wire(cls, value: Any) -> EnrollResponse:
        raw = as_map(value, "enrolled")
        return cls(terminal_id=req_str(raw, "terminal", 64),
                   facility_id=req_str(raw, "facility", 64),
                   facility_name=req_str(raw, "facility_name", 200),
                   server_public_key=req_bytes(raw, "server_key", 32),
                   user_id=req_str(raw, "user_id", 64), username=req_str(raw, "user", 100),
                   role=req_str(raw, "role", 32), mrn_pool=MrnPool.from_wire(raw.get("mrns")),
                   server_time=req_int(raw, "time"),
                   certificate=req_bytes(raw, "cert", max_len=4096) if "cert" in raw else b"")


@dataclass(frozen=True)
class ReregisterRequest:
    """A terminal the server does not know (restored from a backup older than
    its enrollment) presents the certificate the server gave it at enrollment;
    the envelope is signed by the key the certificate names."""

    certificate: bytes
    generation: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"cert": self.certificate, "gen": self.generation}

    @classmethod
    def from_wire(cls, value: Any) -> ReregisterRequest:
        raw = as_map(value, "reregister")
        only_keys(raw, {"cert", "gen"}, "reregister")
        return cls(req_bytes(raw, "cert", max_len=4096), opt_text(raw, "gen", 64))


@dataclass(frozen=True)
class TerminalCertificate:
    """The body of a ``terminal_cert`` envelope."""

    terminal_id: str
    facility_id: str
    public_key: bytes
    enrolled_by: str
    enrolled_at: int
    name: str

    def to_wire(self) -> dict[str, Any]:
        return {"terminal": self.terminal_id, "facility": self.facility_id,
                "key": self.public_key, "by": self.enrolled_by, "at": self.enrolled_at,
                "name": self.name}

    @classmethod
    def from_wire(cls, value: Any) -> TerminalCertificate:
        raw = as_map(value, "terminal_cert")
        return cls(req_str(raw, "terminal", 64), req_str(raw, "facility", 64),
                   req_bytes(raw, "key", 32), req_str(raw, "by", 64), req_int(raw, "at"),
                   req_str(raw, "name", 100))
