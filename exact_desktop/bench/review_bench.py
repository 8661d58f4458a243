"""`exact-desktop bench review`: reviewing 100,000 scored results on the demo slide through the
same Qt-free review session and crops the Review panel uses, over a real project file.

- `open_ms`: the session opened over the results (the queue ordered) and the first
  candidate's crop read and drawn with its outline.
- `threshold_ms_p95`: a threshold change: the queue re-filtered and re-ordered (closest to the
  threshold first), the histogram and counts again, and the candidate on screen drawn
  (`threshold_cpu_ms_p95`: the thread's CPU for it, which a loaded machine does not stretch).
- `next_candidate_ms_p95`: `d` to the next candidate's crop drawn when it was not read ahead
  (`..._prefetched_ms_p95`: when the panel read it ahead, as it does while the reviewer looks).
- `gallery_page_ms_p95`: a 5 x 4 page of 128 px crops drawn (read side by side and their outlines
  read together, as the panel does; `gallery_page_cpu_ms_p95`: the process's CPU for it, the
  reader threads' included).
- `decision_commit_ms_p95`: `j`: the accept stored (one transaction, one undoable edit), the
  next candidate on the queue, the review's place stored.

`--quick`: 10,000 results on the small bench slide.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.demo.synthetic_slide import ensure_demo_slide
from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.review.crops import crops_around, downsample_for, draw_outline
from exact_desktop.review.session import Candidate, ReviewSession
from exact_desktop.slides.base import SlideSource
from exact_desktop.slides.crop import crop_around
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.sqlite.store import SqliteStore

RESULTS, QUICK_RESULTS = 100_000, 10_000
SINGLE_PX, GALLERY_PX, PAGE = 384, 128, 20
MAGNIFICATION = 20.0
STEPS = 200  # next candidate, decisions
THRESHOLDS = 40
PAGES = 20


def bench_review(folder: Path, slide_size: tuple[int, int] | None) -> dict[str, Any]:
    quick = slide_size is not None
    slide = ensure_demo_slide(folder, "demo", slide_size, seed=7).slide if quick else _demo(folder)
    source = open_slide(slide)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        try:
            entry = _results(store, slide, source, QUICK_RESULTS if quick else RESULTS)
            return {"results": QUICK_RESULTS if quick else RESULTS, **_measure(store, entry, source)}
        finally:
            store.close()
            source.close()


def _demo(folder: Path) -> Path:
    from exact_desktop.demo.synthetic_slide import ensure_demo_slides

    return ensure_demo_slides(folder)[0].slide


def _results(store: SqliteStore, slide: Path, source: SlideSource, count: int) -> int:
    """`count` nucleus-sized boxes with scores spread over [0, 1), anywhere on the slide."""
    width, height = source.dimensions
    team = store.create(e.Team("bench"))
    product = store.create(e.Product("bench", team=team.id))
    image_set = store.create(e.ImageSet("bench", team=stored_id(team), product_set=[stored_id(product)]))
    image = store.create(e.Image(slide.name, stored_id(image_set), local_path=str(slide), width=width, height=height))
    kind = store.create(e.AnnotationType("Nucleus", 1, stored_id(product)))
    plugin = store.create(e.Plugin("Nuclei detector"))
    result = store.create(e.PluginResult(stored_id(image), None, stored_id(plugin)))
    entry = store.create(e.PluginResultEntry(stored_id(result), "nuclei", default_threshold=0.5))
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(100, width - 100, count), rng.uniform(100, height - 100, count)
    scores = rng.random(count)
    kind_id, entry_id, image_id = stored_id(kind), stored_id(entry), stored_id(image)
    store.bulk_create([
        e.PluginResultAnnotation(kind_id, entry_id, image_id, {"x1": x, "y1": y, "x2": x + 24, "y2": y + 20}, s)
        for x, y, s in zip(xs.tolist(), ys.tolist(), scores.tolist(), strict=True)
    ])  # fmt: skip
    return stored_id(entry)


def _measure(store: SqliteStore, entry: int, source: SlideSource) -> dict[str, Any]:
    downsample = downsample_for(source, MAGNIFICATION)

    def drawn(c: Candidate | None, side: int = SINGLE_PX) -> None:
        if c is not None:
            draw_outline(crop_around(source, c.centre, side, downsample), session.result(c).vector, 1, (0, 255, 0))

    start = time.perf_counter()
    session = ReviewSession(store, EditHistory(store), [entry])
    drawn(session.current())
    open_ms = (time.perf_counter() - start) * 1000

    threshold_ms, threshold_cpu_ms = [], []
    for t in np.linspace(0.05, 0.95, THRESHOLDS).tolist():
        start, cpu = time.perf_counter(), time.thread_time()
        session.arrange(order="uncertain", threshold=t)
        session.histogram()
        session.counts()
        drawn(session.current())
        threshold_ms.append((time.perf_counter() - start) * 1000)
        threshold_cpu_ms.append((time.thread_time() - cpu) * 1000)

    session.arrange(order="score_high", threshold=0.5)
    cold, warm = [], []
    for _ in range(STEPS):
        start = time.perf_counter()
        drawn(session.next())
        cold.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        session.next()  # read ahead: the crop is the panel's cache's; the step is the session's
        warm.append((time.perf_counter() - start) * 1000)

    pages, pages_cpu = [], []
    for p in range(PAGES):
        start, cpu = time.perf_counter(), time.process_time()
        page = [c for i in range(PAGE) if (c := session.at(session.position + p * PAGE + i)) is not None]
        results = session.book.results([c.id for c in page])  # as the panel's crop cache reads them
        for c, crop in zip(page, crops_around(source, [c.centre for c in page], GALLERY_PX, downsample), strict=True):
            draw_outline(crop, results[c.id].vector, 1, (0, 255, 0))
        pages.append((time.perf_counter() - start) * 1000)
        pages_cpu.append((time.process_time() - cpu) * 1000)

    commits = []
    for _ in range(STEPS):
        start = time.perf_counter()
        session.accept()
        commits.append((time.perf_counter() - start) * 1000)
    return {
        "open_ms": round(open_ms, 1),
        "threshold_ms_p95": _p95(threshold_ms),
        "threshold_cpu_ms_p95": _p95(threshold_cpu_ms),
        "next_candidate_ms_p95": _p95(cold),
        "next_candidate_prefetched_ms_p95": _p95(warm),
        "gallery_page_ms_p95": _p95(pages),
        "gallery_page_cpu_ms_p95": _p95(pages_cpu),
        "decision_commit_ms_p95": _p95(commits),
        "decision_commit_ms_p50": round(statistics.median(commits), 2),
    }


def _p95(values: list[float]) -> float:
    return round(float(np.percentile(values, 95)), 2)
