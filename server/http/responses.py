"""Answers in msgpack: sealed envelopes, and unsigned error bodies
``{"error": code, "detail": text}``."""

from __future__ import annotations

from aiohttp import web

from protocol.codec import encode

MSGPACK = "application/x-msgpack"


def msgpack_response(body: bytes) -> web.Response:
    return web.Response(body=body, content_type=MSGPACK)


def error_response(status: int, code: str, detail: str) -> web.Response:
    return web.Response(status=status, body=encode({"error": code, "detail": detail}),
                        content_type=MSGPACK)
