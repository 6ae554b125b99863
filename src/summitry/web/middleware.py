"""ASGI middleware of the web app: body size limit, allowed hosts and origins, headers.

- :class:`BodyLimitMiddleware` — a request body larger than the limit is answered with 413
  *before it is read*: a ``Content-Length`` above the limit is refused at once; a body
  without one (chunked) is read only up to the limit.
- :class:`GuardMiddleware` — the ``Host`` header must name an allowed host (a page on
  another site cannot reach the app through DNS rebinding), and a state-changing request
  (POST, PUT, PATCH, DELETE) that carries an ``Origin`` must come from the app's own
  origin (no cross-site form posts; browsers always send ``Origin`` on those).
- :class:`HeadersMiddleware` — a Content-Security-Policy that allows only the app's own
  origin (:data:`CSP`; no ``'unsafe-inline'``, no ``'unsafe-eval'`` — Vega runs with its
  expression interpreter), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``,
  ``X-Frame-Options``, and ``Cache-Control: no-store`` on everything but static files.
  A response that sets its own policy (the sandboxed report and article documents)
  keeps it.

Errors are problem documents (:mod:`summitry.web.problems`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from summitry.web.problems import PROBLEM_TYPE, problem_body

__all__ = [
    "CSP",
    "BodyLimitMiddleware",
    "GuardMiddleware",
    "HeadersMiddleware",
    "host_allowed",
    "origin_matches",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The Content-Security-Policy of every page: only this origin, nothing inline, no eval.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def _send_problem(send: Send, status: int, detail: str,
                        headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(problem_body(status, detail)).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", PROBLEM_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"), *headers],
    })
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with 413 (see the module doc)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> str:
        return (f"the request body is larger than the limit of {self.max_bytes:,} bytes; "
                "send a smaller file")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_problem(send, 400, "the Content-Length header is not a number")
                return
            if declared > self.max_bytes:
                await _send_problem(send, 413, self._too_large())
                return
            await self.app(scope, self._counting(receive), send)
            return
        if scope.get("method", "GET") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # no Content-Length (chunked): read up to the limit before the app sees anything
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_problem(send, 413, self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _counting(self, receive: Receive) -> Receive:
        """Guard against a body longer than its Content-Length claimed."""
        seen = 0
        limit = self.max_bytes

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    return {"type": "http.disconnect"}
            return message

        return wrapped


def host_allowed(host_header: str | None, allowed: Iterable[str]) -> bool:
    """Whether a ``Host`` header names an allowed host (``*`` allows any).

    >>> host_allowed("127.0.0.1:8000", ["127.0.0.1", "localhost"])
    True
    >>> host_allowed("evil.example:8000", ["127.0.0.1"]), host_allowed("[::1]:80", ["::1"])
    (False, True)
    """
    names = set(allowed)
    if "*" in names:
        return True
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host in {n.lower().strip("[]") for n in names}


def origin_matches(origin: str, scheme: str, host_header: str | None) -> bool:
    """Whether an ``Origin`` header is the app's own origin (same scheme and host:port).

    >>> origin_matches("http://127.0.0.1:8000", "http", "127.0.0.1:8000")
    True
    >>> origin_matches("http://evil.example", "http", "127.0.0.1:8000")
    False
    >>> origin_matches("null", "http", "127.0.0.1:8000")
    False
    """
    if not host_header:
        return False
    default = {"http": "80", "https": "443"}.get(scheme, "")
    host = host_header.lower()
    if ":" not in host.rsplit("]", 1)[-1] and default:
        host = f"{host}:{default}"
    o = origin.lower().rstrip("/")
    o_scheme, sep, o_host = o.partition("://")
    if not sep or o_scheme != scheme:
        return False
    if ":" not in o_host.rsplit("]", 1)[-1] and default:
        o_host = f"{o_host}:{default}"
    return o_host == host


class GuardMiddleware:
    """Allowed ``Host`` names and same-origin state changes (see the module doc)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed_hosts = tuple(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if not host_allowed(host, self.allowed_hosts):
            await _send_problem(send, 400, f"the Host header {host!r} is not one this server "
                                "answers to; open the app at the address it printed")
            return
        if scope.get("method") in _UNSAFE:
            origin = _header(scope, b"origin")
            if origin is not None and not origin_matches(origin, scope.get("scheme", "http"),
                                                         host):
                await _send_problem(send, 403, "cross-site request refused: the Origin "
                                    f"{origin!r} is not this app")
                return
        await self.app(scope, receive, send)


class HeadersMiddleware:
    """Security headers on every response (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {bytes(k).lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                headers.append((b"cross-origin-opener-policy", b"same-origin"))
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)
