"""`exact-desktop bench sync`: annotations pulled and pushed per second.

Against a real `exact-desktop serve` process holding 100,000 annotations: a full pull into a
fresh mirror, then a push of 100,000 made in the mirror, `--repeat` times (the median is the
figure). Counted from what each side stored afterwards, not from what was sent. With
`--server URL` (credentials from the environment or the keyring) the same on a fresh image
set of that server, smaller (`--count`), beside a plain exact-sync loop doing the same
(creates one by one; then both read the whole set), as the ratio of the two rates.
"""

from __future__ import annotations

import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.exact_api import ExactApi
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import SyncLedger
from exact_desktop.sync.engine import Synchroniser

TOTAL = 100_000
REPEAT = 3
LOOP_CREATES = 300  # exact-sync creates one per request: its rate is clear after a few hundred


def bench_sync(folder: Path | None = None, total: int = TOTAL, server: str | None = None,
               image_set: int | None = None, count: int = 2_000, repeat: int = REPEAT) -> dict[str, Any]:  # fmt: skip
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        found: dict[str, Any] = {"benchmark": "sync", "annotations": total, **_embedded(Path(tmp), total, repeat)}
        if server:
            found["real_server"] = _real(Path(tmp), server, image_set, count)
    return found


def _embedded(tmp: Path, total: int, repeat: int) -> dict[str, Any]:
    """`repeat` runs, each on a fresh copy of the served project and a fresh mirror; the median
    run's rates are the figures (this machine's speed drifts by a half within an hour)."""
    template = tmp / "template.db"
    store = SqliteStore(template)
    team = store.create(e.Team("bench"))
    product = store.create(e.Product("bench", team=team.id))
    image_set = store.create(e.ImageSet("bench", team=stored_id(team), product_set=[stored_id(product)]))
    image = store.create(e.Image("bench.svs", image_set=stored_id(image_set), width=60_000, height=40_000))
    kind = store.create(e.AnnotationType("Nucleus", 1, stored_id(product)))
    store.bulk_create([e.Annotation(stored_id(kind), stored_id(image), _box(i)) for i in range(total)])
    store.close()
    runs = [_one_run(tmp / f"run-{n}", template, stored_id(image_set), stored_id(image), total) for n in range(repeat)]
    return {
        "pull_annotations_per_s": statistics.median(r["pull_annotations_per_s"] for r in runs),
        "push_annotations_per_s": statistics.median(r["push_annotations_per_s"] for r in runs),
        "pull_runs_per_s": [r["pull_annotations_per_s"] for r in runs],
        "push_runs_per_s": [r["push_annotations_per_s"] for r in runs],
        "runs": runs,
    }


def _one_run(folder: Path, template: Path, image_set: int, image: int, total: int) -> dict[str, Any]:
    folder.mkdir()
    served = folder / "served.db"
    shutil.copyfile(template, served)
    process = subprocess.Popen([sys.executable, "-m", "exact_desktop", "serve", "--db", str(served)],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        api = ExactApi(Connection(info["url"], token=info["token"]))
        mirror = SqliteStore(folder / "mirror.db")
        t0 = time.perf_counter()
        pulled = Synchroniser(mirror, api).run("pull", image_set)
        pull_s = time.perf_counter() - t0
        stored_here = mirror.count(e.Annotation)
        local_image = mirror.list(e.Image)[0]
        local_type = mirror.list(e.AnnotationType)[0]
        mirror.bulk_create([e.Annotation(stored_id(local_type), stored_id(local_image), _box(i)) for i in range(total)])
        t0 = time.perf_counter()
        pushed = Synchroniser(mirror, api).run("push", image_set)
        push_s = time.perf_counter() - t0
        stored_there = api.connection.get("/api/v1/annotations/annotations/count/", image=image)["count"]
        outbox = SyncLedger(mirror).outbox_size()
        mirror.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    return {
        "pull_annotations_per_s": round(stored_here / pull_s),
        "push_annotations_per_s": round((stored_there - total) / push_s),
        "pull_s": round(pull_s, 2), "push_s": round(push_s, 2),
        "pulled": pulled.pulled, "stored_here": stored_here, "pushed": pushed.pushed,
        "stored_there": stored_there, "outbox_after": outbox, "errors": pulled.errors + pushed.errors,
    }  # fmt: skip


def _real(tmp: Path, url: str, image_set: int | None, count: int) -> dict[str, Any]:
    """Our sync against a plain exact-sync loop, on a fresh image set of the server's."""
    from exact_desktop.cli.exact_server import connect

    connection, credentials = connect(url)
    api = ExactApi(connection)
    sets = api.image_sets()
    chosen = next((s for s, _ in sets if s.id == image_set), None) if image_set else sets[0][0]
    if chosen is None:
        raise SystemExit(f"exact-desktop: {url} has no image set {image_set}")
    made = connection.post("/api/v1/images/image_sets/", {
        "name": f"bench-sync {uuid.uuid4().hex[:6]}", "team": chosen.team, "product_set": chosen.product_set,
        "images": [], "set_tags": [], "description": "bench sync",
    })  # fmt: skip
    source_image = api.images(chosen.id)[0]
    kind = next(t for p in chosen.product_set for t in api.annotation_types(p) if t.vector_type == 1)
    image = _copy_image(connection, source_image.id, made["id"], tmp)
    mirror = SqliteStore(tmp / "real-mirror.db")
    Synchroniser(mirror, api).run("pull", made["id"])
    local_image, local_type = mirror.list(e.Image)[0], mirror.list(e.AnnotationType, remote_id=kind.id)[0]
    mirror.bulk_create([e.Annotation(stored_id(local_type), stored_id(local_image), _box(i)) for i in range(count)])
    t0 = time.perf_counter()
    Synchroniser(mirror, api).run("push", made["id"])
    push_s = time.perf_counter() - t0
    theirs = {"push_per_s": _exact_sync_push(credentials, url, image, kind.id, min(count, LOOP_CREATES))}
    fresh = SqliteStore(tmp / "real-mirror-2.db")  # both sides then read the same set whole
    t0 = time.perf_counter()
    Synchroniser(fresh, api).run("pull", made["id"])
    pull_s = time.perf_counter() - t0
    ours = {"push_per_s": count / push_s, "pull_per_s": fresh.count(e.Annotation) / pull_s}
    theirs["pull_per_s"] = _exact_sync_pull(credentials, url, image)
    mirror.close()
    fresh.close()
    return {
        "annotations": count, "exact_sync_creates": min(count, LOOP_CREATES), "pulled": fresh.count(e.Annotation),
        "push_annotations_per_s": round(ours["push_per_s"], 1), "pull_annotations_per_s": round(ours["pull_per_s"], 1),
        **{f"exact_sync_{k}": round(v, 1) for k, v in theirs.items()},
        "push_ratio": round(ours["push_per_s"] / theirs["push_per_s"], 1),
        "pull_ratio": round(ours["pull_per_s"] / theirs["pull_per_s"], 1),
    }  # fmt: skip


def _copy_image(connection: Connection, image: int, image_set: int, tmp: Path) -> int:
    """The source image's file, uploaded into the new set (as a person would add it)."""
    answer = connection.request("GET", f"/images/api/image/download/{image}/")
    path = tmp / "bench-slide.svs"
    path.write_bytes(answer.content)
    with path.open("rb") as handle:
        made = connection.json("POST", "/api/v1/images/images/", files={"file_path": ("bench.svs", handle)},
                               data={"image_type": 0, "image_set": image_set})  # fmt: skip
    return int(made["results"][0]["id"])


def _annotations_api(credentials: Any, url: str) -> Any:
    from exact_sync.v1.api.annotations_api import AnnotationsApi
    from exact_sync.v1.api_client import ApiClient
    from exact_sync.v1.configuration import Configuration

    config = Configuration()
    config.host = url
    if credentials.token:
        config.token = credentials.token
    else:
        config.username, config.password = credentials.user, credentials.password
    return AnnotationsApi(ApiClient(config))


def _exact_sync_push(credentials: Any, url: str, image: int, kind: int, count: int) -> float:
    """What a script on the official client does: one create per annotation."""
    annotations = _annotations_api(credentials, url)
    t0 = time.perf_counter()
    for i in range(count):
        annotations.create_annotation(body={"annotation_type": kind, "image": image, "vector": _box(i + 500_000),
                                            "unique_identifier": str(uuid.uuid4()), "deleted": False})  # fmt: skip
    return count / (time.perf_counter() - t0)


def _exact_sync_pull(credentials: Any, url: str, image: int) -> float:
    """Its list, page by page of 1,000 (as its documentation does it, without `fields`)."""
    annotations = _annotations_api(credentials, url)
    t0 = time.perf_counter()
    read, offset = 0, 0
    while True:
        page = annotations.list_annotations(image=image, limit=1000, offset=offset)
        read += len(page.results)
        offset += len(page.results)
        if not page.next:
            break
    return read / (time.perf_counter() - t0)


def _box(i: int) -> dict[str, int]:
    x, y = i % 59_000, i // 59_000 * 40
    return {"x1": x, "y1": y, "x2": x + 30, "y2": y + 30}
