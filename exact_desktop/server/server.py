"""Runs the embedded API on loopback: `exact-desktop serve`, and a thread inside the GUI.

The first line on stdout is {"url", "token"}: a launcher (the GUI, a test, a script) reads it to
know where to connect. The token is new for every run and never written anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import signal
import socket
import sys
import threading
from dataclasses import dataclass

import uvicorn

from exact_desktop.server.app import create_app
from exact_desktop.store.sqlite.store import SqliteStore


class RemoteBindRefused(Exception):  # noqa: N818 - a refusal, not a failure
    pass


def check_host(host: str, allow_remote: bool) -> None:
    """Loopback only, unless the person asked for more (and then a warning)."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return
    if not allow_remote:
        raise RemoteBindRefused(
            f"refusing to listen on {host}: the API serves your project to anyone who has the token; "
            "use --allow-remote if you really want that"
        )
    print(f"exact-desktop: WARNING: listening on {host}, reachable from other machines", file=sys.stderr)


@dataclass
class RunningServer:
    url: str
    token: str
    server: uvicorn.Server
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


def _bound_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # before the URL is announced: early clients wait in the backlog, not refused
    return sock


def prepare(store: SqliteStore, host: str = "127.0.0.1", port: int = 0) -> tuple[RunningServer, socket.socket]:
    """Bind first (port 0 picks a free one), so the URL printed is the one that works."""
    token = secrets.token_urlsafe(32)
    sock = _bound_socket(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(create_app(store, token), log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    return RunningServer(f"http://{shown}:{bound_port}", token, server), sock


def serve_forever(store: SqliteStore, host: str, port: int) -> int:
    """`exact-desktop serve`: print the JSON line, serve until SIGTERM or Ctrl+C."""
    running, sock = prepare(store, host, port)

    # uvicorn catches SIGTERM/SIGINT once it runs, finishes the requests in flight, then re-raises
    # the signal into the handlers it found. These ask for the stop (also if the signal comes
    # before uvicorn is listening for it) instead of killing the process, so a stop ends with 0.
    def request_stop(*_: object) -> None:
        running.server.should_exit = True

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, request_stop)
    print(json.dumps({"url": running.url, "token": running.token}), flush=True)
    running.server.run(sockets=[sock])
    return 0


def serve_in_thread(store: SqliteStore, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """For the GUI: the same server on a daemon thread of this process."""
    running, sock = prepare(store, host, port)  # off the main thread uvicorn leaves signals alone
    thread = threading.Thread(target=running.server.run, kwargs={"sockets": [sock]}, name="exact-api", daemon=True)
    running.thread = thread
    thread.start()
    return running
