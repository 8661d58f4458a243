"""What a request may cost the embedded API and where its links point: a body past the bound is
a 413 before it is read, a body that stops arriving a 408, and `next` is on the server's own
address whatever the Host header said."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
import requests

from exact_desktop.server import body_limits
from exact_desktop.server.server import serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore
from tests.server.test_auth_and_errors import get
from tests.store.conftest import seed

A = "/api/v1/annotations/annotations/"


def raw(url: str, head: str, body: bytes = b"") -> tuple[int, str]:
    """(status, the rest) of one request sent as it is on a socket (a body shorter than declared)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"Connection: close\r\n\r\n" + body)
        got = b""
        while piece := sock.recv(65_536):
            got += piece
    answer = got.decode(errors="replace")
    return int(answer.split(" ", 2)[1]), answer


def test_next_is_on_the_servers_own_address_whatever_the_host_header(served):
    answer = get(served, "/api/v1/annotations/annotation_types/", params={"limit": 1})
    assert answer.json()["next"].startswith(f"{served.url}/")
    evil = requests.get(f"{served.url}/api/v1/annotations/annotation_types/", params={"limit": 1}, timeout=10,
                        headers={"Authorization": f"Bearer {served.token}", "Host": "evil.example"})  # fmt: skip
    assert evil.status_code == 200 and evil.json()["next"].startswith(f"{served.url}/api/v1/"), evil.json()["next"]


def test_a_body_declared_past_the_bound_is_refused_before_it_is_read(served):
    status, answer = raw(served.url, f"POST {A} HTTP/1.1\nHost: x\nAuthorization: Bearer {served.token}\n"
                         "Content-Type: application/json\nContent-Length: 999999999999\n", b"{}")  # fmt: skip
    assert status == 413 and "larger than 134,217,728 bytes" in answer


@pytest.fixture
def bounded(tmp_path, monkeypatch):
    """The API in a thread of this process, with bounds small enough to reach in a test."""
    monkeypatch.setattr(body_limits, "MAX_BODY_BYTES", 10_000)
    monkeypatch.setattr(body_limits, "BODY_IDLE_SECONDS", 1.0)
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    running = serve_in_thread(store)
    yield running, s
    running.stop()
    store.close()


def test_a_body_growing_past_the_bound_or_stalling_is_refused(bounded):
    running, s = bounded
    auth = {"Authorization": f"Bearer {running.token}", "Content-Type": "application/json"}
    pieces = (b" " * 1_000 for _ in range(50))  # chunked: no length declared
    answer = requests.post(f"{running.url}{A}", data=pieces, headers=auth, timeout=20)
    assert answer.status_code == 413 and "larger than 10,000 bytes" in answer.json()["detail"]
    status, said = raw(running.url, f"POST {A} HTTP/1.1\nHost: x\nAuthorization: Bearer {running.token}\n"
                       "Content-Type: multipart/form-data; boundary=b\nContent-Length: 999999999999\n", b"--")  # fmt: skip
    assert status == 408 and "stopped arriving" in said
    box = {"annotation_type": s.box.id, "image": s.image.id, "vector": {"x1": 1, "y1": 2, "x2": 30, "y2": 40}}
    assert requests.post(f"{running.url}{A}", json=box, headers=auth, timeout=20).status_code == 201
