"""The real HTTP transport's bounds: a request given a whole time
(``HttpTransport.within``, the sign-in's contact) ends when it is up, even
while the server's name is still being looked up, and ends as a timeout (the
channel then says the server is not answering, and does not retry it)."""

from __future__ import annotations

import socket
import threading

import pytest

from client.sync.channel import _timed_out
from client.sync.transport import HttpTransport, TransportError


def test_a_bounded_request_ends_while_the_name_lookup_hangs(monkeypatch):
    released = threading.Event()
    looked_up: list[str] = []

    def hanging_lookup(host, *args, **kwargs):
        looked_up.append(host)
        released.wait(30)  # a resolver that does not answer
        raise socket.gaierror("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_lookup)
    transport = HttpTransport("http://localhost:8765").within(0.3)
    try:
        with pytest.raises(TransportError) as raised:
            transport.post("/v1/pull", b"\x80", 5.0)
        assert looked_up == ["localhost"]
        assert _timed_out(raised.value)  # a timeout: not tried again at the sign-in
        assert "did not answer in 0.3 s" in str(raised.value)
    finally:
        released.set()


def test_a_bounded_request_hands_back_the_answer_and_the_refusals():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_once() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 409 Conflict\r\nContent-Length: 3\r\n\r\nabc")

    server = threading.Thread(target=answer_once, daemon=True)
    server.start()
    try:
        bounded = HttpTransport(f"http://127.0.0.1:{port}").within(5.0)
        assert bounded.post("/v1/pull", b"\x80", 5.0) == (409, b"abc")
    finally:
        server.join(5)
        listener.close()
    # Nobody listens there now: refused at once, as without a bound (not a timeout).
    with pytest.raises(TransportError) as raised:
        bounded.post("/v1/pull", b"\x80", 5.0)
    assert not _timed_out(raised.value)

