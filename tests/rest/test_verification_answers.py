"""A garbled answer to a verification's POST is one line naming the server, not a traceback, and
nothing of it is kept: the next push sends the verdict again."""

from __future__ import annotations

import http.server
from pathlib import Path

from exact_desktop.model import entities as e
from exact_desktop.rest.connection import Connection
from exact_desktop.store.sqlite.store import SqliteStore, driver_cursor
from exact_desktop.sync.verification_push import push_verifications
from tests.rest.json_answer import answer_json
from tests.rest.recording import serving
from tests.store.conftest import seed


class Garbled(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer_json(self, 201, b'{"id": "seven", "verified": "maybe"}')

    def log_message(self, *_args: object) -> None:
        pass


def test_a_garbled_answer_to_a_verification_post_is_one_line_naming_the_server(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    try:
        s = seed(store)
        reviewer = store.create(e.User("reviewer", remote_id=4))
        box = {"x1": 1, "y1": 1, "x2": 9, "y2": 9}
        annotation = store.create(e.Annotation(s.box.id, s.image.id, box, remote_id=70))
        store.create(e.Verification(annotation.id, reviewer.id, verified=True))
        with serving(Garbled) as url:
            sent, errors = push_verifications(store, Connection(url, token="t"), s.image_set.id)
        assert sent == 0
        assert errors == [
            f"verification of annotation 70: {url} answered the POST to /api/v1/annotations/verifications/ "
            "with 'id' as the text 'seven', not a number"
        ]
        with store.engine.connect() as conn:
            assert driver_cursor(conn).execute("SELECT count(*) FROM sync_verification").fetchone() == (0,)
    finally:
        store.close()
