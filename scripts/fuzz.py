"""Fuzz a real Chartkeep server (a ``chartkeep-server serve`` process on SQLite in a
temporary directory) with hostile input to every route, and report what it did:
inputs sent, answers by status, any 5xx or dropped connection, and the server
process's resident memory (RSS) before, during and after.

Inputs, from one seeded generator (``--seed``): random bytes; random msgpack
structures; real signed envelopes with bytes flipped or cut; well-signed push
messages whose operations are garbage (so the server's full path runs); random
form posts and cookies to the portal. By default the flood limiter is raised out
of the way so every input is decoded (``--limited`` keeps the default limit).

The figures go in docs/security-fuzzing.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from protocol.codec import encode
from protocol.ids import new_id
from protocol.messages import EnrollRequest, EnrollResponse
from protocol.signing import (
    new_private_key,
    open_envelope,
    prove_possession,
    public_bytes,
    seal,
)

MSGPACK = "application/x-msgpack"
ROUTES = [("POST", "/v1/push"), ("POST", "/v1/pull"), ("POST", "/v1/enroll"),
          ("POST", "/v1/keys"), ("GET", "/health"), ("GET", "/portal/sign-in"),
          ("POST", "/portal/sign-in"), ("POST", "/portal/sign-in/code"),
          ("GET", "/portal/facilities"), ("GET", "/portal/facilities/{}"),
          ("GET", "/portal/audit/{}"), ("POST", "/portal/inspect"),
          ("GET", "/portal/facilities/{}.json")]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "server", *args], env=env, check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return done.stdout.strip()


class Client:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, method: str, path: str, body: bytes | None,
             headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                             timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")


class Inputs:
    def __init__(self, rng: random.Random, terminal: dict[str, Any]) -> None:
        self.rng = rng
        self.t = terminal

    def value(self, depth: int = 0) -> Any:
        r = self.rng
        choice = r.randrange(8 if depth < 4 else 5)
        if choice == 0:
            return None
        if choice == 1:
            return r.randrange(-(2**63), 2**63)
        if choice == 2:
            return "".join(chr(r.randrange(32, 0x2FFF)) for _ in range(r.randrange(20)))
        if choice == 3:
            return r.randbytes(r.randrange(40))
        if choice == 4:
            return r.choice(["create", "update", "command", "resident", "note", "admit",
                             new_id(), True, 0.5])
        if choice in (5, 6):
            return {r.choice(["kind", "id", "fields", "changes", "name", "args", "x",
                              "stay_id", "resident_id"]): self.value(depth + 1)
                    for _ in range(r.randrange(5))}
        return [self.value(depth + 1) for _ in range(r.randrange(5))]

    def signed(self, body: Any, msg_type: str = "push") -> bytes:
        self.t["counter"] += 1
        return seal(self.t["key"], msg_type, self.t["id"], self.t["counter"], body).to_bytes()

    def next(self) -> tuple[str, str, bytes | None, dict[str, str]]:
        r = self.rng
        kind = r.randrange(6)
        headers = {"Content-Type": MSGPACK}
        if kind == 0:
            method, path = r.choice(ROUTES)
            return method, path.format(new_id()), r.randbytes(r.randrange(400)), headers
        if kind == 1:
            return "POST", r.choice(ROUTES[:3])[1], encode(self.value()), headers
        if kind == 2:  # a real envelope, damaged
            data = bytearray(self.signed({"cursor": 0, "limit": 10}, "pull"))
            for _ in range(r.randrange(1, 4)):
                data[r.randrange(len(data))] = r.randrange(256)
            if r.random() < 0.3:
                data = data[: r.randrange(len(data))]
            return "POST", r.choice(["/v1/push", "/v1/pull"]), bytes(data), headers
        if kind == 3:  # well signed, garbage operations: the whole push path runs
            self.t["seq"] += 1
            op = {"id": new_id(), "seq": self.t["seq"], "type": r.choice(
                ["create", "update", "command", "resolve", "void", "merge"]),
                  "fac": self.t["fac"], "user": self.t["user"], "at": 0, "schema": 1,
                  "p": self.value() if r.random() < 0.3 else {"kind": self.value(2),
                                                              "id": new_id(),
                                                              "fields": self.value(1)}}
            return "POST", "/v1/push", self.signed({"ops": [op], "schema": 1}), headers
        if kind == 4:  # the portal's forms and cookies
            form = "&".join(f"{k}={r.randbytes(8).hex()}" for k in
                            r.sample(["username", "password", "code", "csrf", "x"], 3))
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "Cookie": f"chartkeep_portal={r.randbytes(r.randrange(80)).hex()}"}
            method, path = r.choice(ROUTES[5:])
            return method, path.format(new_id()), form.encode() if method == "POST" else None, \
                headers
        return "POST", "/v1/pull", self.signed(self.value(), r.choice(["pull", "push", "x"])), \
            headers


def enroll(client: Client, env: dict[str, str], facility: str) -> dict[str, Any]:
    code = cli(env, "issue-code", "--facility", facility)
    key = new_private_key()
    request = EnrollRequest(code, "fuzz", public_bytes(key), prove_possession(key, code),
                            "fuzz.clerk")
    status, body = client.send("POST", "/v1/enroll",
                               seal(key, "enroll", "new", 0, request.to_wire()).to_bytes(),
                               {"Content-Type": MSGPACK})
    if status != 200:
        raise SystemExit(f"enrollment failed: {status} {body[:200]!r}")
    answer = EnrollResponse.from_wire(open_envelope(body).decoded_body())
    return {"key": key, "id": answer.terminal_id, "fac": facility, "user": answer.user_id,
            "counter": 0, "seq": 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--limited", action="store_true",
                        help="keep the default flood limit (most inputs are then 429)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chartkeep-fuzz-") as where:
        env = {**os.environ, "CHARTKEEP_SERVER_DATA": where, "PYTHONPATH": str(ROOT),
               "CHARTKEEP_SERVER_KEY_PASSPHRASE": secrets.token_urlsafe(24)}
        if not args.limited:
            env["CHARTKEEP_SERVER_FLOOD_LIMIT"] = str(10**9)
        cli(env, "init")
        facility = cli(env, "create-facility", "--name", "Fuzz", "--state", "OH",
                       "--mrn-prefix", "FZ")
        cli(env, "create-user", "--facility", facility, "--username", "fuzz.clerk",
            "--role", "clerk")
        port = 18000 + random.randrange(2000)
        log = Path(where) / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port",
                                       str(port)], env=env, cwd=ROOT, stdout=out, stderr=out)
            try:
                return run(args, env, facility, port, server)
            finally:
                server.terminate()
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
                tail = log.read_text(errors="replace").splitlines()[-5:]
                if tail:
                    print("server log ends:\n  " + "\n  ".join(tail))


def run(args: argparse.Namespace, env: dict[str, str], facility: str, port: int,
        server: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 30
    client = Client(port)
    while True:
        try:
            client.send("GET", "/health", None, {})
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)
    inputs = Inputs(random.Random(args.seed), enroll(client, env, facility))
    warm = 500
    statuses: Counter[int] = Counter()
    dropped = 0
    samples: list[tuple[int, int]] = []
    start = time.monotonic()
    for n in range(warm + args.inputs):
        if n == warm:
            samples.append((0, rss_kib(server.pid)))
            statuses.clear()
            start = time.monotonic()
        method, path, body, headers = inputs.next()
        try:
            status, _ = client.send(method, path, body, headers)
        except (http.client.HTTPException, ConnectionError):
            dropped += 1
            continue
        statuses[status] += 1
        if n >= warm and (n - warm + 1) % max(1, args.inputs // 10) == 0:
            samples.append((n - warm + 1, rss_kib(server.pid)))
    elapsed = time.monotonic() - start
    time.sleep(2)
    idle = rss_kib(server.pid)
    server_errors = sum(c for s, c in statuses.items() if s >= 500)
    print(f"inputs {args.inputs} (after {warm} to warm up), seed {args.seed}, "
          f"{'default flood limit' if args.limited else 'flood limit raised'}, "
          f"{elapsed:.1f} s")
    print("answers: " + ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items())))
    print(f"5xx: {server_errors}; dropped connections: {dropped}; "
          f"server still answering: {client.send('GET', '/health', None, {})[0] == 200}")
    print("server RSS (MiB) by inputs sent: " + ", ".join(
        f"{n}: {kib / 1024:.1f}" for n, kib in samples))
    first_half = samples[len(samples) // 2][1] - samples[0][1]
    second_half = samples[-1][1] - samples[len(samples) // 2][1]
    print(f"RSS growth: first half {first_half / 1024:+.1f} MiB, second half "
          f"{second_half / 1024:+.1f} MiB; 2 s idle after: {idle / 1024:.1f} MiB")
    return 1 if server_errors or dropped else 0


if __name__ == "__main__":
    sys.exit(main())
