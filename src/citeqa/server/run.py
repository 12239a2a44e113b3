"""`serve`: bind the socket, then run the app under uvicorn until interrupted."""

from __future__ import annotations

import contextlib
import logging
import socket
from pathlib import Path

from citeqa import UsageError

from .app import create_app
from .limits import LOOPBACK_NAMES, check_bind, is_loopback


def serve(index_dir: str | Path, host: str = "127.0.0.1", port: int = 8321,
          token: str | None = None, *, allow_stale: bool = False) -> None:
    """Serve the index at `index_dir` on http://host:port/ until Ctrl-C (then return).

    Raises UsageError (a ValueError) for a bad port or a non-loopback host without a token,
    OSError when the address cannot be bound, and citeqa errors when the index cannot be opened.
    """
    import uvicorn

    check_bind(host, token)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UsageError(f"port must be a whole number from 0 to 65535, got {port!r}")
    sock = bind(host, port)  # before loading the index: a taken port fails fast and plainly
    try:
        app = create_app(index_dir, token, allow_stale=allow_stale,
                         allowed_hosts=loopback_hosts(host) if is_loopback(host) else None)
        config = uvicorn.Config(app, host=host, port=sock.getsockname()[1], access_log=False,
                                server_header=False, timeout_graceful_shutdown=5)
        shown = f"[{host}]" if ":" in host else host
        logging.getLogger("uvicorn.error").info(
            "citeqa: serving %s at http://%s:%d/ (API docs at /docs; Ctrl-C to stop)",
            index_dir, shown, sock.getsockname()[1])
        # uvicorn re-raises Ctrl-C once it has shut down; for a server that is a normal stop.
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def loopback_hosts(host: str) -> tuple[str, ...]:
    """The Host names a loopback server answers to: the usual ones and the one it binds."""
    name = host.strip().strip("[]").lower()
    return LOOPBACK_NAMES if name in LOOPBACK_NAMES else (*LOOPBACK_NAMES, name)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (OSError, e.g. "Address already in use", if not)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock
