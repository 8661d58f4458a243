"""A small HTTP server on 127.0.0.1 that records the Authorization header of every GET and
answers an empty page: where credentials must (or must never) arrive."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from tests.rest.json_answer import answer_json


class Recording(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recording.seen.append(self.headers.get("Authorization", ""))
        answer_json(self, 200, b'{"count": 0, "next": null, "previous": null, "results": []}')

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[str]:
    """Its URL; what it saw is in Recording.seen (emptied here)."""
    Recording.seen = []
    with serving(Recording) as url:
        yield url


@contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """The URL of a server on 127.0.0.1 answering with `handler`, while in the block."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
