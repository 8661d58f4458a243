"""`exact-desktop bench learn`: learning from the reviewer on the demo slide, with a simulated
reviewer who decides each candidate from the ground truth, through the same review session and
learning loop the review panel uses.

- `decisions_to_95_recall_learned`, `..._score`, `..._random`: candidates looked at until 95 %
  of the true mitoses among the Mitosis candidates are found: in learnt order (the queue ordered
  by the model, retrained every RETRAIN_EVERY decisions as the panel does; the plugin's score for
  the first ones, then, while the decisions are of one kind, the candidates least like them), in
  the plugin's score order, and in a random order.
- `retrain_ms_p95`: one retrain (features of candidates not yet described, the classifier with
  its out-of-bag quality, every candidate rescored), over the retrains of that run. The issue asks
  for it per 50 new decisions; the panel retrains every 10, and a retrain costs the same however
  many decisions are new (one fit on all of them), so it is measured at the panel's cadence.
  `retrain_ms_max`: the slowest, the first, which describes every candidate (once a review).
- `rescore_1m_s`: a million candidates' stored features rescored by the learnt model.
- `model_plugin_f1`: the model exported as ONNX and run by Run model (local queue) on the second
  demo slide's candidates, against that slide's true mitoses.
- `candidates_average_precision`: the Mitosis candidates plugin's own score ranking the mitoses.

`--quick`: the small bench slides (fewer mitoses: rougher figures), rescoring 100,000 scaled up.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.demo.synthetic_slide import DEMO_SIZE, ensure_demo_slides
from exact_desktop.demo.truth import mitoses_at, read_truth, which_mitosis
from exact_desktop.model import entities as e
from exact_desktop.project.local_run import run_plugin
from exact_desktop.review.learning.export import export_model
from exact_desktop.review.learning.loop import LearningLoop
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.sqlite.store import SqliteStore

RETRAIN_EVERY = 10  # decisions, as the review panel
RECALL = 0.95
RESCORED, QUICK_RESCORED = 1_000_000, 100_000


def bench_learn(folder: Path, size: tuple[int, int] | None = None) -> dict[str, Any]:
    slides = ensure_demo_slides(folder, size or DEMO_SIZE)
    truths = [read_truth(s.ground_truth) for s in slides]
    figures: dict[str, Any] = {"benchmark": "learn", "slide": slides[0].slide.name}
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "learn.db")
        try:
            image_set = ensure_demo_project(store, slides)
            summary = run_plugin(store, "Mitosis candidates", image_set.id)
            if summary["errors"]:
                raise RuntimeError(f"Mitosis candidates failed: {summary['errors'][0]['error']}")
            main, second = (store.list(e.Image, image_set=image_set.id, name=s.slide.name)[0] for s in slides)
            session = ReviewSession.of_images(store, EditHistory(store), [main.id])
            right = mitoses_at(session.candidates.boxes, truths[0])
            scores = session.candidates.scores.astype(np.float64)
            figures["candidates"], figures["mitoses_among_them"] = len(right), int(right.sum())
            figures["candidates_average_precision"] = round(float(average_precision_score(right, scores)), 4)
            figures["decisions_to_95_recall_score"] = looked_at(right[np.argsort(-scores, kind="stable")])
            shuffled = np.random.default_rng(0).permutation(len(right))
            figures["decisions_to_95_recall_random"] = looked_at(right[shuffled])
            loop = LearningLoop(session)
            figures.update(_learned_order(session, loop, right))
            figures["rescore_1m_s"] = _rescore(loop, QUICK_RESCORED if size else RESCORED)
            figures["model_plugin_f1"] = _model_plugin_f1(store, loop, Path(tmp) / "learnt.onnx", second, truths[1])
        finally:
            store.close()
    return figures


def looked_at(in_order: np.ndarray) -> int:
    """How many candidates of this order are looked at until RECALL of its mitoses are found."""
    wanted = int(np.ceil(RECALL * in_order.sum()))
    return int(np.searchsorted(np.cumsum(in_order), wanted) + 1) if wanted else 0


def _learned_order(session: ReviewSession, loop: LearningLoop, right: np.ndarray) -> dict[str, Any]:
    """The simulated reviewer takes the queue's next candidate (learnt order) and decides it."""
    session.arrange(order="learned")
    wanted = int(np.ceil(RECALL * right.sum()))
    found = decided = 0
    retrains: list[float] = []
    while found < wanted:
        candidate = session.current()
        if candidate is None:
            break
        row = int(np.flatnonzero(session.candidates.ids == candidate.id)[0])
        if right[row]:  # as j and k: decided, and on to the next
            session.accept()
        else:
            session.reject()
        found += int(right[row])
        decided += 1
        if decided % RETRAIN_EVERY == 0:
            start = time.perf_counter()
            loop.step()
            retrains.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(retrains, n=20)[-1] if len(retrains) >= 2 else (retrains or [None])[0]
    return {
        "decisions_to_95_recall_learned": decided,
        "retrains": len(retrains),
        "retrain_ms_p95": None if p95 is None else round(p95, 1),
        "retrain_ms_max": round(max(retrains), 1) if retrains else None,
    }


def _rescore(loop: LearningLoop, count: int) -> float:
    """Seconds to rescore a million candidates from stored features (`count` of them, scaled)."""
    loop.step()  # the model of every decision so far
    described = loop.features[~np.isnan(loop.features).any(axis=1)]
    rows = np.resize(described, (count, described.shape[1]))
    types = np.resize(loop.session.candidates.types, count)
    start = time.perf_counter()
    loop.learner.score(rows, types)
    return round((time.perf_counter() - start) * RESCORED / count, 2)


def _model_plugin_f1(store: SqliteStore, loop: LearningLoop, model: Path, image: e.Image, truth: dict) -> float:
    """F1 of what Run model keeps on `image` (its candidates rescored by the exported model)."""
    from exact_desktop.plugins.registry import register

    export_model(loop, model)
    plugin = store.list(e.Plugin, name="Mitosis candidates")[0]
    register(store, "exact_desktop.plugins.builtin.run_model:process", plugin.products[0])
    summary = run_plugin(store, "Run model", image.image_set, params={"model": str(model)})
    if summary["errors"]:
        raise RuntimeError(f"Run model failed: {summary['errors'][0]['error']}")
    model_entries = {x.id for x in store.list(e.PluginResultEntry) if x.name == "model"}
    kept = [r for r in store.list(e.PluginResultAnnotation, image=image.id) if r.pluginresultentry in model_entries]
    boxes = np.array([[r.vector["x1"], r.vector["y1"], r.vector["x2"], r.vector["y2"]] for r in kept], np.float64)
    on = which_mitosis(boxes, truth)
    mitoses = sum(1 for n in truth["nuclei"] if n[2] == "mitosis")
    if not len(kept) or not mitoses:
        return 0.0
    precision = float((on >= 0).mean())  # boxes on a mitosis (two on one split figure both count)
    recall = len(set(on[on >= 0].tolist())) / mitoses  # each mitosis found once
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
