"""`exact-desktop bench api`: annotations written and read per second through the embedded API.

The server is a real `exact-desktop serve` process and this process is the client, on loopback,
as a plugin process would be. Writes are list POSTs of 500 (EXACT's fast path), reads are pages
of 1,000 with `fields=`, following `next`. The reads are timed in READ_PASSES passes over every
page and the median pass counts: a quick run's pass is five requests, about 30 ms, which one
collection of this process's garbage or one moment of other work on the machine doubled (61,000
or 159,000 a second from the same code, one run after the other).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from exact_desktop.model.entities import AnnotationType, Image, ImageSet, Product, Team
from exact_desktop.store.sqlite.store import SqliteStore

BATCH = 500
TOTAL = 50_000
READ_PAGE = 1_000
READ_PASSES = 3


def bench_api(folder: Path | None = None, total: int = TOTAL) -> dict[str, object]:
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        team = store.create(Team("bench"))
        product = store.create(Product("bench", team=team.id))
        image_set = store.create(ImageSet("bench", team=team.id, product_set=[product.id]))
        image = store.create(Image("bench.svs", image_set=image_set.id, width=60_000, height=40_000))
        kind = store.create(AnnotationType("Nucleus", 1, product.id))
        store.close()
        server = subprocess.Popen(
            [sys.executable, "-m", "exact_desktop", "serve", "--db", str(Path(tmp) / "bench.db")],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        headers = {"Authorization": f"Bearer {info['token']}"}
        session = requests.Session()
        session.headers.update(headers)
        url = f"{info['url']}/api/v1/annotations/annotations/"
        bodies = [
            [_box(kind.id, image.id, i) for i in range(start, min(total, start + BATCH))]
            for start in range(0, total, BATCH)
        ]
        t0 = time.perf_counter()
        for body in bodies:
            session.post(url, json=body, timeout=120).raise_for_status()
        write_s = time.perf_counter() - t0

        fields = "id,vector,annotation_type,unique_identifier,last_edit_time,deleted"
        passes = [_read_all(session, f"{url}?image={image.id}&limit={READ_PAGE}&fields={fields}")
                  for _ in range(READ_PASSES)]  # fmt: skip
        read_s, read = sorted(passes)[READ_PASSES // 2]
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    return {
        "benchmark": "api",
        "annotations": total,
        "bulk_size": BATCH,
        "write_annotations_per_s": round(total / write_s),
        "read_page_size": READ_PAGE,
        "read_annotations_per_s": round(read / read_s),
        "read_annotations": read,
    }


def _read_all(session: requests.Session, first: str) -> tuple[float, int]:
    """One pass over every page from `first`: its time and the annotations read."""
    t0 = time.perf_counter()
    read = 0
    next_url: str | None = first
    while next_url:
        page = session.get(next_url, timeout=120).json()
        read += len(page["results"])
        next_url = page["next"]
    return time.perf_counter() - t0, read


def _box(kind: int, image: int, i: int) -> dict[str, object]:
    x, y = i % 59_000, i // 59_000 * 40
    vector = {"x1": x, "y1": y, "x2": x + 30, "y2": y + 30}
    return {"annotation_type": kind, "image": image, "unique_identifier": str(uuid.uuid4()), "vector": vector}
