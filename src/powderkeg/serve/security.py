"""ASGI middleware for the dashboard: bearer token, body-size limit, allowed hosts, headers.

Pure ASGI (no BaseHTTPMiddleware) so streaming bodies are counted as they arrive and a request
over the limit is refused without being read into memory.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Scripts only from this server (no inline script, no eval); styles allow inline attributes
# because the chart and map libraries set element styles; no request leaves for another host.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


async def _reply(send: Send, status: int, message: str, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += list(SECURITY_HEADERS) + list(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Every HTTP request: host check, bearer token (when set), body limit; every response: headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body: int,
        allowed_hosts: Iterable[str] | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts else None

    def _host_ok(self, scope: Scope) -> bool:
        if self.allowed_hosts is None:
            return True
        for k, v in scope.get("headers", []):
            if k == b"host":
                host = v.decode("latin-1").lower()
                name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
                return name in self.allowed_hosts
        return False

    def _token_ok(self, scope: Scope) -> bool:
        if self.token is None:
            return True
        for k, v in scope.get("headers", []):
            if k == b"authorization":
                given = v.decode("latin-1")
                if given[:7].lower() == "bearer ":
                    return hmac.compare_digest(given[7:].strip().encode(), self.token.encode())
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._host_ok(scope):
            await _reply(send, 400, "host not allowed (the dashboard answers on its own address only)")
            return
        if not self._token_ok(scope):
            await _reply(send, 401, "missing or wrong bearer token", [(b"www-authenticate", b"Bearer")])
            return
        length = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    await _reply(send, 400, "bad Content-Length")
                    return
        if length is not None and length > self.max_body:
            await _reply(send, 413, f"request body over the limit of {self.max_body} bytes")
            return
        # read the body here, bounded, then replay it: nothing over the limit reaches the app
        chunks: list[bytes] = []
        seen = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            seen += len(body)
            if seen > self.max_body:
                await _reply(send, 413, f"request body over the limit of {self.max_body} bytes")
                return
            chunks.append(body)
            if not msg.get("more_body", False):
                break
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive() -> Message:
            if replay:
                return replay.pop()
            return await receive()

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                have = {k.lower() for k, _ in msg.get("headers", [])}
                msg["headers"] = list(msg.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if h[0] not in have
                ]
            await send(msg)

        await self.app(scope, replay_receive, send_with_headers)
