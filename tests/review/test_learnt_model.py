"""The loop end to end on a generated slide: a simulated reviewer decides 100 candidates through the
review session, the model learns from them and is exported as ONNX with its card, and Run model
rescores the second slide's candidates through the plugin system (local queue), keeping the
candidates the model in memory keeps, and mostly the true mitoses."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.demo.truth import mitoses_at, read_truth
from exact_desktop.learnt_model.card import read_card
from exact_desktop.learnt_model.features import candidate_features
from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.local_run import run_plugin
from exact_desktop.review.learning.export import export_model
from exact_desktop.review.learning.learner import LearningError
from exact_desktop.review.learning.loop import LearningLoop
from exact_desktop.review.session import ReviewSession
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.sqlite.store import SqliteStore

RUN_MODEL = "exact_desktop.plugins.builtin.run_model:process"


def review_a_hundred(session: ReviewSession, truth: dict) -> LearningLoop:
    """The simulated reviewer: 100 candidates of a random sample (a few mitoses among them), decided from the truth."""
    c = session.candidates
    right = mitoses_at(c.boxes, truth)
    rng = np.random.default_rng(3)
    picked = rng.choice(np.flatnonzero(~right), 96, replace=False)
    picked = np.concatenate([picked, rng.choice(np.flatnonzero(right), 4, replace=False)])
    session.decide({int(c.ids[r]): int(c.types[r]) if right[r] else None for r in picked})
    loop = LearningLoop(session)
    loop.step()
    return loop


def result_boxes(store: SqliteStore, image: int, entry_names: set[str]) -> dict[tuple, float]:
    entries = {x.id for x in store.list(e.PluginResultEntry) if x.name in entry_names}
    return {
        tuple(round(r.vector[k], 1) for k in ("x1", "y1", "x2", "y2")): r.score
        for r in store.list(e.PluginResultAnnotation, image=image)
        if r.pluginresultentry in entries
    }


def reviewed_copy(project: Path, folder: Path) -> tuple[SqliteStore, LearningLoop]:
    """A copy of the demo project in `folder` with 100 decisions on its main slide, and the model
    learnt from them. (the open store, the loop)"""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(project, folder / "p.db")
    store = SqliteStore(folder / "p.db")
    session = ReviewSession.of_images(store, EditHistory(store), [store.list(e.Image)[0].id])
    return store, review_a_hundred(session, read_truth(Path(project).parent / "demo-ground-truth.json"))


def learn_and_export(project: Path, model: Path) -> tuple[SqliteStore, LearningLoop]:
    """reviewed_copy beside `model`, the model exported to it."""
    store, loop = reviewed_copy(project, model.parent)
    export_model(loop, model)
    return store, loop


@pytest.fixture
def learnt(mitosis_demo, tmp_path):
    """(store, the learning loop after 100 decisions on the main slide, the exported model, the second image)."""
    store, loop = learn_and_export(mitosis_demo[0], tmp_path / "models" / "mitoses.onnx")
    yield store, loop, tmp_path / "models" / "mitoses.onnx", store.list(e.Image)[1]
    store.close()


def test_the_learnt_model_runs_as_a_plugin_on_another_image(learnt, mitosis_demo):
    store, loop, model, second = learnt
    card = read_card(model)
    assert card.kind == "candidates" and card.decisions == 100
    assert set(card.classes) == {"Mitotic figure", None} and card.candidate_types == ("Mitotic figure",)
    assert card.metrics["balanced_accuracy_oob"] == loop.learner.quality.balanced_accuracy
    assert card.source["plugins"] == "Mitosis candidates" and card.image_sets and card.date

    plugin = store.list(e.Plugin, name="Mitosis candidates")[0]
    register(store, RUN_MODEL, plugin.products[0])
    image_set = store.get(e.Image, second.id).image_set
    summary = run_plugin(store, "Run model", image_set, params={"model": str(model)}, workers=1)
    assert summary["errors"] == [], [x["error"] for x in summary["errors"]]

    # the same candidates kept as the model in memory keeps, with the same probability
    candidates = result_boxes(store, second.id, {"results"})
    kept = result_boxes(store, second.id, {"model"})
    boxes = np.array(list(candidates), np.float64)
    with open_slide(second.local_path) as slide:
        features = candidate_features(slide, boxes, np.array(list(candidates.values())), second.mpp)
    p = loop.learner.model.predict_proba(features)[:, list(card.classes).index("Mitotic figure")]
    expected = {b: float(v) for b, v in zip(candidates, p, strict=True) if v >= 0.5}
    assert set(kept) == set(expected) and len(kept) > 0
    assert max(abs(kept[b] - expected[b]) for b in kept) < 1e-3

    # and they are mostly the second slide's true mitoses
    truth = read_truth(Path(mitosis_demo[0]).parent / "demo-small-ground-truth.json")
    right = mitoses_at(np.array(list(kept)), truth)
    all_right = mitoses_at(boxes, truth)
    precision, recall = right.mean(), right.sum() / max(1, all_right.sum())
    print(f"second slide: {len(kept)} kept of {len(boxes)}, precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= 0.6 and recall >= 0.6

    # the features were stored: a review opened again learns with the slide gone
    main = store.list(e.Image)[0]
    store.update(e.Image, main.id, local_path=str(model.parent / "gone.svs"))
    again = LearningLoop(ReviewSession.of_images(store, EditHistory(store), [main.id], ["results"]))
    assert again._done.all()
    np.testing.assert_array_equal(again.features, loop.features)
    assert again.step().decisions == 100


def test_nothing_is_written_before_a_model_was_learnt(mitosis_demo, tmp_path):
    project, _ = mitosis_demo
    shutil.copy(project, tmp_path / "p.db")
    store = SqliteStore(tmp_path / "p.db")
    session = ReviewSession.of_images(store, EditHistory(store), [store.list(e.Image)[0].id])
    with pytest.raises(LearningError, match="no model learnt yet"):
        export_model(LearningLoop(session), tmp_path / "m.onnx")
    assert list(tmp_path.glob("m.*")) == []
    store.close()
