"""A short, bounded fuzz of every route the server has (the router walked, so a
new route is fuzzed too): random methods' bodies, path parameters, content types
and cookies never produce a 5xx. ``scripts/fuzz`` runs the long version with
figures (docs/security-fuzzing.md)."""

from __future__ import annotations

import http.client
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from protocol.codec import encode
from server.http.app import create_app
from server.http.runner import ServerThread

_PARAM = re.compile(r"\{[^}]+\}")


def routes(settings) -> list[tuple[str, str]]:
    app = create_app(settings)
    return sorted({(r.method, r.resource.canonical) for r in app.router.routes()
                   if r.method != "HEAD"})


@pytest.fixture
def fuzz_server(engine, settings, world):
    settings.flood_limit = 1_000_000  # the limiter is tested in test_floods.py
    with ServerThread(settings, init=False) as server:
        yield server, routes(settings)


_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=40) \
    | st.binary(max_size=40)
BODIES = st.one_of(
    st.binary(max_size=400),
    st.recursive(_SCALARS, lambda c: st.lists(c, max_size=5)
                 | st.dictionaries(st.text(max_size=10), c, max_size=5),
                 max_leaves=15).map(encode),
    st.dictionaries(st.sampled_from(["username", "password", "code", "csrf", "reason",
                                     "facility", "decision", "x"]),
                    st.text(max_size=60), max_size=5).map(
        lambda form: "&".join(f"{k}={quote(v)}" for k, v in form.items()).encode()),
)
CONTENT_TYPES = st.sampled_from(["application/x-msgpack", "application/x-www-form-urlencoded",
                                 "application/json", "text/plain", ""])


@hyp_settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), body=BODIES, content_type=CONTENT_TYPES,
       param=st.text(max_size=30) | st.text(alphabet=st.sampled_from(["\x00", "a", "1"]),
                                             max_size=6), cookie=st.text(
           alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=60))
def test_no_route_answers_random_input_with_a_server_error(fuzz_server, data, body,
                                                          content_type, param, cookie):
    server, table = fuzz_server
    method, path = data.draw(st.sampled_from(table))
    path = _PARAM.sub(quote(param, safe="") or "x", path)
    headers = {"Cookie": f"chartkeep_portal={quote(cookie)}"}
    if content_type:
        headers["Content-Type"] = content_type
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body if method != "GET" else None,
                           headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status < 500, (method, path, response.status)


def test_the_fuzz_reaches_every_route(settings):
    table = routes(settings)
    assert ("POST", "/v1/push") in table and ("POST", "/v1/keys") in table
    assert any(path.startswith("/portal") for _, path in table)


def test_a_form_that_is_not_utf8_is_refused_not_a_server_error(fuzz_server):
    """What the fuzz found once: a portal form post of invalid UTF-8 raised in the
    CSRF check (500); it is refused like a form without its token."""
    server, _ = fuzz_server
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", "/portal/access", body=b"\x80",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 403
