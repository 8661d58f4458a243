"""`exact-desktop bench plugins`: what the plugin framework costs around a plugin's own work.

Two things are timed on the demo slide: the nuclei detector's `process` call in this process
with a context that only collects (bare), and the same plugin's job through the local queue
(job created, worker process, claim, API, every result stored, the queue seeing the job end).
The queue is running, as in a window with the project open: its worker was started ahead and
has imported the SDK and the plugin (`LocalQueue.warm`), and the time runs from the job's
creation until the queue has seen it end. Each job is its image's first (an image record of
its own on the same slide file), as a first run of a plugin is: a run again also deletes the
earlier run's results, which is not the framework's cost around `process`. The bare call runs
with the numeric libraries' threads the queue gives its worker (worker_threads.py: one on two
cores), so both sides do the same work: OpenBLAS left a thread per core spins a second core
after each call, 5 s of CPU a nuclei run here that changed nothing of its time, and a bare call
counted with it against a worker without it would flatter the job's CPU by a third.

One bare run against one queued run moved the ratio by 10 % either way on a shared 2-core
machine, so they are paired: PAIRS pairs, alternated (bare then queued, queued then bare, ...)
so neither side always runs first, on the same slide with its file read beforehand. Five, not
three: a timeline of a queued job's requests puts the framework's own time at about 0.1 s of
8 (claim to process() 0.07 s, process() returning to the queue seeing the end 0.03 s), yet a
quiet machine's bare call alone varies by 3-7 % from run to run, and the median of three pairs
read 0.96-1.07 over three runs; the median of five moves less with one slow run.
`overhead_ratio` is the median of the pairs' ratios (queued / bare), `overhead_ratio_pairs`
each pair's, `overhead_ratio_spread` their largest minus their smallest; `process_alone_s`
and `job_through_queue_s` are the medians of each side. `overhead_cpu_ratio` is the same
median of CPU seconds: the job's (the worker process, and this process's embedded API and
queue while it ran) over the bare run's, which holds under load where times do not. Every
queued job is counted in the store: one that stored fewer results than the bare run found is
an error, not a figure.

The first job of a fresh worker, which starts the process and imports everything first (what
`plugin run` on the command line costs), is its own figure: `job_cold_s` and
`overhead_ratio_cold` (over the bare median). Throughput: images per minute over an image set
of 8 copies of the smaller demo slide, with 1 and with 2 warm workers.

With a server (`--server URL`): result annotations the SDK stores per second on it (its normal
path: lists where taken, else one per request with several in flight, then the read-back
count), beside the same writer with one request at a time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from exact_desktop.bench.process_cpu import cpu_snapshot, cpu_spent
from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.demo.synthetic_slide import DEMO_SIZE, ensure_demo_slides
from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.plugins.builtin import nuclei
from exact_desktop.plugins.job_book import StoreJobBook
from exact_desktop.plugins.jobs import create_jobs, settle_reruns
from exact_desktop.plugins.local_queue import LocalQueue, project_env
from exact_desktop.plugins.sdk.image import ImageHandle
from exact_desktop.plugins.warm_workers import WarmWorkers
from exact_desktop.plugins.worker_threads import thread_env
from exact_desktop.server.server import serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore

COPIES = 8
PAIRS = 5


class CollectingContext:
    """The context `process` sees, minus everything the framework does: for the baseline."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params, self.found = params, 0

    def add_annotation(self, *_args: Any, **_kwargs: Any) -> None:
        self.found += 1

    def progress(self, _fraction: float) -> None:
        pass


def bench_plugins(
    folder: Path, server: str | None = None, product: int | None = None, slide_size: tuple[int, int] | None = None
) -> dict[str, object]:
    figures = _local_figures(folder, slide_size)
    if server:
        figures.update(bench_server_results(server, product))
    return figures


def _local_figures(folder: Path, slide_size: tuple[int, int] | None) -> dict[str, object]:
    slides = ensure_demo_slides(folder, slide_size or DEMO_SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        image_set = ensure_demo_project(store, slides)
        plugin = store.list(e.Plugin, name=nuclei.DESCRIBE["name"])[0]
        main_image = store.list(e.Image, image_set=image_set.id)[0]
        server = serve_in_thread(store)
        warm = WarmWorkers()
        try:
            job = _Bench(store, project_env(server.url, server.token), plugin)
            pairs = job.pairs(main_image, warm)
            cold = job.first_run(main_image, None, pairs.found)
            copies = _copies(store, image_set.team, slides[1].slide)
            per_minute = {
                workers: round(60 * COPIES / job.queued(copies, None, workers, warm).seconds, 1) for workers in (1, 2)
            }
        finally:
            warm.close()
            server.stop()
            store.close()
    alone_s = statistics.median(pairs.alone)
    return {
        "benchmark": "plugins",
        "plugin": plugin.name,
        "slide": str(slides[0].slide),
        "pairs": PAIRS,
        "process_alone_s": round(alone_s, 2),
        "job_through_queue_s": round(statistics.median(pairs.queued), 2),
        "overhead_ratio": round(statistics.median(pairs.ratios), 3),
        "overhead_ratio_pairs": [round(r, 3) for r in pairs.ratios],
        "overhead_ratio_spread": round(max(pairs.ratios) - min(pairs.ratios), 3),
        "overhead_cpu_ratio": round(statistics.median(pairs.cpu_ratios), 3) if pairs.cpu_ratios else None,
        "job_cold_s": round(cold.seconds, 2),
        "overhead_ratio_cold": round(cold.seconds / alone_s, 3),
        "objects_found": pairs.found,
        "results_stored": cold.stored,
        "images": COPIES,
        "images_per_minute_1_worker": per_minute[1],
        "images_per_minute_2_workers": per_minute[2],
    }


@dataclass
class _Run:
    """A timed run: wall seconds, CPU seconds (None without /proc) and results stored."""

    seconds: float
    cpu_s: float | None = None
    stored: int = 0


@dataclass
class _Pairs:
    """Bare and queued runs, pair by pair, and what the bare runs found."""

    alone: list[float] = field(default_factory=list)
    queued: list[float] = field(default_factory=list)
    alone_cpu: list[float | None] = field(default_factory=list)
    queued_cpu: list[float | None] = field(default_factory=list)
    found: int = 0

    @property
    def ratios(self) -> list[float]:
        return [q / a for a, q in zip(self.alone, self.queued, strict=True)]

    @property
    def cpu_ratios(self) -> list[float]:
        pairs = zip(self.alone_cpu, self.queued_cpu, strict=True)
        return [q / a for a, q in pairs if a and q is not None]


def _alone(image: e.Image) -> tuple[_Run, int]:
    """The bare `process` call: its run and the objects it found."""
    record = {
        "id": image.id,
        "name": image.name,
        "width": image.width,
        "height": image.height,
        "mpp": image.mpp,
        "local_path": image.local_path,
    }
    handle = ImageHandle(None, record)  # type: ignore[arg-type]
    context = CollectingContext({p["name"]: p["default"] for p in nuclei.DESCRIBE["parameters"]})
    with _as_in_a_worker():
        cpu_before, started = cpu_snapshot(), time.perf_counter()
        nuclei.process(handle, context.params, context)  # type: ignore[arg-type]
        run = _Run(time.perf_counter() - started, cpu_spent(cpu_before, cpu_snapshot()))
    handle.close()
    return run, context.found


def _as_in_a_worker() -> threadpool_limits:
    """The BLAS and OpenMP thread pools bounded as the variables the queue gives a worker of a
    one-worker queue bound them (none that the environment sets already: this process has them too)."""
    env = thread_env(1)
    pools = {"blas": "OPENBLAS_NUM_THREADS", "openmp": "OMP_NUM_THREADS"}
    return threadpool_limits(limits={api: int(env[name]) for api, name in pools.items() if name in env} or None)


WARM_WAIT_S = 120.0


class _Bench:
    """Jobs of one plugin run as a person runs them: created, queued, reruns settled."""

    def __init__(self, store: SqliteStore, env: dict[str, str], plugin: e.Plugin) -> None:
        self.store, self.env, self.plugin = store, env, plugin

    def queued(self, image_set: int, images: list[int] | None, workers: int, warm: WarmWorkers | None) -> _Run:
        """From the jobs' creation until the queue has seen them end; with `warm`, on workers
        started (and ready) before."""
        queue = LocalQueue(StoreJobBook(self.store), self.env, size=workers, warm=warm)
        if warm is not None:
            for worker in queue.warm(self.plugin):
                worker.ready.wait(WARM_WAIT_S)
        cpu_before, started = cpu_snapshot(), time.perf_counter()
        submitted = create_jobs(self.store, self.plugin, image_set, images=images, run_again=True)
        run = queue.run(self.plugin, [stored_id(j) for j in submitted.created])
        timed = _Run(time.perf_counter() - started, cpu_spent(cpu_before, cpu_snapshot()))
        settle_reruns(self.store, [j.id for j in submitted.created])  # type: ignore[misc]
        if run.failures:
            raise RuntimeError(f"benchmark jobs failed: {run.failures}")
        return timed

    def first_run(self, like: e.Image, warm: WarmWorkers | None, found: int) -> _Run:
        """One job on a new image of `like`'s slide, its results counted in the store."""
        image = self.store.create(
            e.Image(f"{like.name} {uuid.uuid4().hex[:8]}", image_set=like.image_set, local_path=like.local_path,
                    width=like.width, height=like.height, mpp=like.mpp)
        )  # fmt: skip
        run = self.queued(like.image_set, [stored_id(image)], 1, warm)
        run.stored = _stored(self.store, self.plugin, stored_id(image))
        if run.stored != found:
            raise RuntimeError(f"the queued job stored {run.stored} results, the plugin found {found}")
        return run

    def pairs(self, image: e.Image, warm: WarmWorkers) -> _Pairs:
        """PAIRS pairs of a bare run and a queued job on a warm worker, alternating which goes
        first; the slide's file read once before, so neither side pays for the disk."""
        Path(str(image.local_path)).read_bytes()
        pairs = _Pairs()
        for pair in range(PAIRS):
            for queued_side in (False, True) if pair % 2 == 0 else (True, False):
                if queued_side:
                    queued = self.first_run(image, warm, pairs.found)
                    pairs.queued.append(queued.seconds)
                    pairs.queued_cpu.append(queued.cpu_s)
                    continue
                alone, found = _alone(image)
                if pairs.found and found != pairs.found:
                    raise RuntimeError(f"the plugin found {found} objects, {pairs.found} in an earlier run")
                pairs.alone.append(alone.seconds)
                pairs.alone_cpu.append(alone.cpu_s)
                pairs.found = found
        return pairs


def _copies(store: SqliteStore, team: int | None, slide: Path) -> int:
    image_set = store.create(e.ImageSet("plugin bench", team=team))
    from exact_desktop.slides.opener import open_slide

    with open_slide(slide) as source:
        width, height = source.dimensions
        mpp = source.mpp or 0.25
    for i in range(COPIES):
        store.create(
            e.Image(f"copy {i}", image_set=image_set.id, local_path=str(slide), width=width, height=height, mpp=mpp)
        )  # type: ignore[arg-type]
    return stored_id(image_set)


def _stored(store: SqliteStore, plugin: e.Plugin, image: int) -> int:
    results = [r.id for r in store.list(e.PluginResult, plugin=plugin.id, image=image)]
    entries = [x.id for x in store.list(e.PluginResultEntry, pluginresult__in=results)]
    return store.count(e.PluginResultAnnotation, pluginresultentry__in=entries)


SERVER_RESULTS = 1000


def bench_server_results(url: str, product: int | None = None) -> dict[str, object]:
    """Results per second into a real server, through the SDK's writer, and one at a time."""
    from exact_desktop.cli.exact_server import connect
    from exact_desktop.plugins.exact_registry import register_on_server
    from exact_desktop.plugins.sdk import results as writer_module

    connection, _credentials = connect(url)
    product = product or next(connection.iterate("/api/v1/administration/products/", fields="id"))["id"]
    record = register_on_server(connection, nuclei.DESCRIBE, product)
    image = next(connection.iterate("/api/v1/images/images/", fields="id,width,height"))
    kind = record["annotation_types"]["Nucleus"]
    rates = {}
    for in_flight in (writer_module.IN_FLIGHT, 1):
        body = {"image": image["id"], "plugin": record["id"], "job": None, "entries": []}
        result = connection.post("/api/v1/processing/pluginresults/", body)
        try:
            entry = connection.post("/api/v1/processing/pluginresultentrys/", {
                "pluginresult": result["id"], "name": f"bench {in_flight}", "annotation_results": [],
                "bitmap_results": []})  # fmt: skip
            writer = writer_module.ResultWriter(connection, in_flight=in_flight)
            items = [_box(kind, entry["id"], image["id"], i) for i in range(SERVER_RESULTS)]
            started = time.perf_counter()
            for i in range(0, len(items), writer_module.BATCH):
                writer.send(items[i : i + writer_module.BATCH])
            stored = writer.finish()
            rates[in_flight] = (stored / (time.perf_counter() - started), writer.lists)
        finally:
            connection.delete(f"/api/v1/processing/pluginresults/{result['id']}/")
        if stored != SERVER_RESULTS:
            raise RuntimeError(f"{url} holds {stored} of {SERVER_RESULTS} results")
    sdk, single = rates[writer_module.IN_FLIGHT][0], rates[1][0]
    return {
        "server": connection.url, "server_results": SERVER_RESULTS,
        "server_takes_lists": rates[writer_module.IN_FLIGHT][1],
        "real_exact_results_per_s": round(sdk, 1), "real_exact_single_request_per_s": round(single, 1),
        "real_exact_speedup": round(sdk / single, 2),
    }  # fmt: skip


def _box(kind: int, entry: int, image: int, i: int) -> dict[str, Any]:
    x, y = i % 500, i // 500
    vector = {"x1": x, "y1": y, "x2": x + 5, "y2": y + 5}
    return {"annotation_type": kind, "pluginresultentry": entry, "image": image, "score": 0.5, "meta_data": None,
            "vector": vector, "unique_identifier": str(uuid.uuid4())}  # fmt: skip
