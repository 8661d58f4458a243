"""Runs the embedded API on loopback: `exact-desktop serve` (in worker processes, workers.py),
and a thread inside the GUI.

The first line on stdout is {"url", "token"}: a launcher (the GUI, a test, a script) reads it to
know where to connect. The token is new for every run and never written anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from exact_desktop.server.app import create_app
from exact_desktop.server.workers import can_fork, exit_with_parent, run_forked
from exact_desktop.store.sqlite.store import SqliteStore


def default_workers() -> int:
    """Two processes where there are two cores. Four paired pushes of 100,000 into `serve` on a
    2-core machine: 16,057/s mean with one process, 20,078/s with two; three were no faster, and
    pulls the same either way (the client is their limit). Not measured on more cores."""
    return min(2, os.cpu_count() or 1)


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


def _listen(host: str, port: int) -> tuple[str, socket.socket]:
    """Bind first (port 0 picks a free one), so the URL printed is the one that works."""
    sock = _bound_socket(host, port)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{sock.getsockname()[1]}", sock


def _server(store: SqliteStore, token: str) -> uvicorn.Server:
    config = uvicorn.Config(create_app(store, token), log_level="warning", access_log=False, lifespan="on")
    return uvicorn.Server(config)


def prepare(store: SqliteStore, host: str = "127.0.0.1", port: int = 0) -> tuple[RunningServer, socket.socket]:
    token = secrets.token_urlsafe(32)
    url, sock = _listen(host, port)
    return RunningServer(url, token, _server(store, token)), sock


def serve_forever(store: SqliteStore, host: str, port: int, workers: int = 1) -> int:
    """`exact-desktop serve`: print the JSON line, serve until SIGTERM or Ctrl+C; with
    `workers` > 1 (where processes fork) in that many processes, each with its own connections."""
    token = secrets.token_urlsafe(32)
    url, sock = _listen(host, port)

    def announce() -> None:
        print(json.dumps({"url": url, "token": token}), flush=True)

    if workers > 1 and can_fork():
        path = store.path
        store.close()  # no SQLite connection crosses a fork
        return run_forked(workers, lambda parent: _worker(path, token, sock, parent), announce)
    return _run(_server(store, token), sock, announce)


def _worker(path: Path, token: str, sock: socket.socket, parent: int) -> int:
    store = SqliteStore(path)
    try:
        server = _server(store, token)
        exit_with_parent(parent, lambda: setattr(server, "should_exit", True))
        return _run(server, sock)
    finally:
        store.close()


def _run(server: uvicorn.Server, sock: socket.socket, announce: Callable[[], None] | None = None) -> int:
    # uvicorn catches SIGTERM/SIGINT once it runs, finishes the requests in flight, then re-raises
    # the signal into the handlers it found. These ask for the stop (also if the signal comes
    # before uvicorn is listening for it) instead of killing the process, so a stop ends with 0.
    def request_stop(*_: object) -> None:
        server.should_exit = True

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, request_stop)
    if announce is not None:
        announce()
    server.run(sockets=[sock])
    return 0


def serve_in_thread(store: SqliteStore, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """For the GUI: the same server on a daemon thread of this process."""
    running, sock = prepare(store, host, port)  # off the main thread uvicorn leaves signals alone
    thread = threading.Thread(target=running.server.run, kwargs={"sockets": [sock]}, name="exact-api", daemon=True)
    running.thread = thread
    thread.start()
    return running
