"""What the server accepts: body size, k, bind addresses, Host headers; checked before any work."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from citeqa import UsageError

MAX_BODY_BYTES = 64 * 1024
MAX_K = 1000  # the CLI's --k range is 1-1000
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) only listens to this machine."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse (UsageError, a ValueError) to listen beyond this machine without a token: anyone
    who can reach the port could read every document otherwise."""
    if token is not None and not token.strip():
        raise UsageError("--token must not be empty")
    if not is_loopback(host) and token is None:
        raise UsageError(f"refusing to listen on {host} without --token: anyone on the network "
                         f"could read the documents; pass --token TOKEN (clients then send "
                         f"'Authorization: Bearer TOKEN') or use --host 127.0.0.1")


def host_name(header: str) -> str:
    """The host part of a Host header, without the port ("[::1]:8321" -> "::1")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


async def send_error(send: Send, status: int, message: str) -> None:
    """A JSON error response sent straight through ASGI (for checks made before the app)."""
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """ASGI middleware: bodies over `max_body` bytes get 413 before the app sees them, and,
    when `allowed_hosts` is given, other Host headers get 400 (so a web page on another site
    cannot reach a loopback server through DNS rebinding)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES,
                 allowed_hosts: tuple[str, ...] | None = None):
        self.app = app
        self.max_body = max_body
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.allowed_hosts is not None and \
                host_name(headers.get("host", "")) not in self.allowed_hosts:
            await send_error(send, 400, "unexpected Host header: this server answers only to "
                                        f"{', '.join(self.allowed_hosts)}")
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await send_error(send, 413, f"request body is {declared} bytes; the limit is "
                                        f"{self.max_body}")
            return
        body, more = b"", True
        while more:  # read it all now (bounded) so a chunked body cannot grow past the limit
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                await send_error(send, 413, f"request body is over the limit of "
                                            f"{self.max_body} bytes")
                return
        await self.app(scope, _replay([{"type": "http.request", "body": body,
                                        "more_body": False}], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that yields `messages` first, then waits on the real one (for disconnects)."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
