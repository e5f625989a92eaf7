"""`powderkeg serve`: an offline web dashboard and REST API over one store.

>>> from powderkeg.serve import create_app
>>> app = create_app("events.duckdb")        # an ASGI app; serve() runs it with uvicorn  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError
from .app import create_app

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> list[str] | None:
    """Refuse a non-loopback address without a token; return the Host names to accept."""
    if token is not None and len(token) < 8:
        raise UsageError("--token: use at least 8 characters")
    if not is_loopback(host):
        if not token:
            raise UsageError(
                f"--host {host}: serving beyond this machine needs --token T "
                "(then every request must carry 'Authorization: Bearer T')"
            )
        return None
    # loopback: answer only to loopback names (stops DNS-rebinding pages from reading the API)
    return None if token else ["127.0.0.1", "localhost", "[::1]", host]


def serve(
    db: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8750,
    token: str | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Run the dashboard until interrupted."""
    import uvicorn

    allowed = check_bind(host, token)
    app = create_app(db, token=token, allowed_hosts=allowed)
    if announce:
        shown = f"[{host}]" if ":" in host else host
        announce(f"serving {db} at http://{shown}:{port}/ (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


__all__ = ["check_bind", "create_app", "is_loopback", "serve"]
