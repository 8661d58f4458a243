"""Eight client processes write at once through one server: every annotation arrives."""

from __future__ import annotations

import os
import subprocess
import sys

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT
from tests.server.conftest import stop_server


def test_eight_clients_write_five_thousand_each(served):
    env = {**os.environ, "EXACT_URL": served.url, "EXACT_TOKEN": served.token}
    s = served.seed
    batches = (20, 50, 100, 250, 500, 500, 1000, 5000)
    counts = [5_000] * len(batches)
    procs = [
        subprocess.Popen([sys.executable, "-m", "tests.server.client_process", str(s.image.id), str(s.box.id), str(n), str(b), f"c{i}"],
                         cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i, (n, b) in enumerate(zip(counts, batches, strict=True))
    ]  # fmt: skip
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0 and out.strip() == "done", err
    assert stop_server(served.process) == 0
    store = SqliteStore(served.db)
    for i, n in enumerate(counts):
        assert store.count(e.Annotation, description=f"c{i}") == n
    assert store.count(e.Annotation) == sum(counts)
    store.close()
