"""An HTTP proxy on 127.0.0.1 in front of a real server that spoils its list pages on purpose.

The TCP FaultProxy (proxy.py) breaks connections; this one speaks HTTP and rewrites answers the
way a misconfigured or hostile deployment would, on the real server's real data: pages capped
below the `limit` asked (as DRF's `max_limit` does: the `limit` is lowered before the server
sees it), a `next` that points to the page itself or to another origin, annotation lists that
answer slowly or byte by byte, a bare list where a page belongs, a result without its `id`, and
annotations whose vector comes back broken (which the mirror refuses); it answers chosen requests
itself with bodies EXACT never sends (`canned`), or passes them on and garbles the answer
(`garbled`); and it can change the server between the first
page and the rest, as another user would. Every request it passes on is counted by path and query.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
import requests

from tests.rest.json_answer import answer_json

ANNOTATIONS = "/api/v1/annotations/annotations/"
LOOP = 50
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length", "te", "upgrade"}


class PageFaults:
    def __init__(self, target_url: str) -> None:
        self.target = target_url.rstrip("/")
        self.max_limit: int | None = None
        self.next_to_self = False
        self.next_origin: str | None = None  # every `next` moved to this origin
        self.annotation_delay_s = 0.0
        self.drip_annotations_s = 0.0  # annotation pages sent one byte per this many seconds, never whole
        self.annotations_as_list = False
        self.drop_id_of = 0  # the n-th result (from 1) of each annotation page loses its id
        self.broken_vectors: set[str] = set()  # UUIDs whose vector comes back unreadable
        self.garbled: dict[tuple[str, str], bytes] = {}  # (method, path) -> passed on, then this body instead
        self.canned: dict[tuple[str, str], tuple[int, bytes]] = {}  # (method, path) -> the answer given instead
        self.after_first_page: Callable[[], None] | None = None  # run once, before the first page is answered
        self.asked: Counter[str] = Counter()  # path?query of every request passed on
        self.session = requests.Session()
        faults = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                faults._forward(self)

            def do_POST(self) -> None:
                faults._forward(self)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> PageFaults:
        threading.Thread(target=self.server.serve_forever, name="page-faults", daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.session.close()

    def asked_for(self, path: str) -> int:
        return sum(n for asked, n in self.asked.items() if urlsplit(asked).path == path)

    def _forward(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if self.max_limit is not None:
            query = [(k, str(min(int(v), self.max_limit)) if k == "limit" else v) for k, v in query]
        asked = f"{parts.path}?{urlencode(query)}" if query else parts.path
        self.asked[asked] += 1
        if self.asked[asked] > LOOP:  # a client caught in a loop: end it, so a test fails rather than hangs
            answer_json(handler, 508, b'{"detail": "asked for the same page again and again"}')
            return
        method = handler.command
        sent = handler.rfile.read(int(handler.headers.get("Content-Length") or 0)) if method != "GET" else None
        if (method, parts.path) in self.canned:
            answer_json(handler, *self.canned[method, parts.path])
            return
        is_annotations = parts.path == ANNOTATIONS
        if is_annotations and self.annotation_delay_s:
            time.sleep(self.annotation_delay_s)
        if is_annotations and self.drip_annotations_s:
            self._drip(handler)
            return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
        answer = self.session.request(method, f"{self.target}{asked}", data=sent, headers=headers, timeout=300,
                                      allow_redirects=False)  # fmt: skip
        body = answer.content
        if (method, parts.path) in self.garbled:
            answer_json(handler, answer.status_code, self.garbled[method, parts.path])
            return
        if is_annotations and self.after_first_page and dict(query).get("offset", "0") == "0":
            then, self.after_first_page = self.after_first_page, None
            then()  # the server changes while the client pages through it
        if "json" in answer.headers.get("Content-Type", ""):
            body = self._spoiled(orjson.loads(body), f"{self.url}{asked}", is_annotations)
        try:
            handler.send_response(answer.status_code)
            for k, v in answer.headers.items():
                if k.lower() not in HOP_BY_HOP | {"date", "server"}:
                    handler.send_header(k, v)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting (a timeout test)

    def _drip(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        """Headers promising 100,000 bytes, then a space now and then: every read is quick, the
        answer never whole (ends when the client hangs up)."""
        try:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(200):  # 10 s at most: old code fails rather than hangs
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(self.drip_annotations_s)
        except OSError:
            pass

    def _spoiled(self, page: Any, own_url: str, is_annotations: bool) -> bytes:
        if isinstance(page, dict) and isinstance(page.get("results"), list):
            if page.get("next") and self.next_to_self:
                page["next"] = own_url
            elif page.get("next") and self.next_origin:
                moved = urlsplit(page["next"])
                page["next"] = f"{self.next_origin}{moved.path}?{moved.query}"
            if is_annotations:
                for n, item in enumerate(page["results"], 1):
                    if n == self.drop_id_of:
                        item.pop("id", None)
                    if str(item.get("unique_identifier")) in self.broken_vectors:
                        item["vector"] = {"x1": "broken"}
                if self.annotations_as_list:
                    page = page["results"]
        return orjson.dumps(page)
