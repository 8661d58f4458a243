"""A TCP proxy on 127.0.0.1 that breaks connections on purpose: the fault-injection layer.

Put it between a client and a real server (EXACT or `exact-desktop serve`) and tell it what to
break: `cut_once_after(n)` closes every open connection, both ways, once the client has sent n
more bytes (requests in flight then have an unknown outcome: the server may or may not have
done them); `delay_s` holds every chunk back; `refuse` closes new connections at once;
`answer_next(status, method)` answers the next such request itself, without passing it on (a
server error on a batch); `stall_next_response(s)` holds the next answer back (a timeout).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from urllib.parse import urlsplit


class FaultProxy:
    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.upstream_bytes = 0
        self.cuts = 0
        self.delay_s = 0.0
        self.refuse = False
        self._cut_at: int | None = None
        self._canned: tuple[int, bytes] | None = None
        self._stall_s = 0.0
        self.answered = 0
        self.stalled = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopped.set()
        self.listener.close()
        self._cut_all()

    def cut_once_after(self, more_bytes: int) -> None:
        with self._lock:
            self._cut_at = self.upstream_bytes + more_bytes

    def answer_next(self, status: int, method: str = "POST") -> None:
        with self._lock:
            self._canned = (status, method.encode())

    def stall_next_response(self, seconds: float) -> None:
        with self._lock:
            self._stall_s = seconds

    def _take_canned(self, data: bytes) -> int | None:
        with self._lock:
            if self._canned and data.startswith(self._canned[1] + b" "):
                status, self._canned = self._canned[0], None
                self.answered += 1
                return status
        return None

    def _take_stall(self) -> float:
        with self._lock:
            seconds, self._stall_s = self._stall_s, 0.0
            self.stalled += bool(seconds)
            return seconds

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refuse:
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        try:
            while data := source.recv(65536):
                if self.delay_s:
                    time.sleep(self.delay_s)
                if upstream and self._count(len(data)):
                    self._cut_all()
                    return
                status = self._take_canned(data) if upstream else None
                if status is not None:
                    body = b'{"detail": "injected by the fault proxy"}'
                    source.sendall(
                        f"HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body
                    )
                    return
                if not upstream and (stall := self._take_stall()):
                    time.sleep(stall)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _count(self, n: int) -> bool:
        """Adds n upstream bytes; True when that crosses the cut mark (which is then spent)."""
        with self._lock:
            self.upstream_bytes += n
            if self._cut_at is not None and self.upstream_bytes >= self._cut_at:
                self._cut_at = None
                self.cuts += 1
                return True
        return False

    def _cut_all(self) -> None:
        with self._lock:
            doomed, self._open = list(self._open), set()
        _shut(doomed)

    def _close(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open -= set(socks)
        _shut(socks)


def _shut(socks: object) -> None:
    """shutdown() first: on Linux, close() alone does not wake a thread blocked in recv() on the
    socket, and the connection would stay up, half-forwarded."""
    for sock in socks:  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()
