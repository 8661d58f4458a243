"""The model learnt from a review, run with Run model on both servers through `plugin run
--server` (the real EXACT and `serve`), unchanged: on each, after Mitosis candidates, it keeps
exactly the candidates the model in memory keeps, with the same probabilities, so both servers
hold the same results."""

from __future__ import annotations

import numpy as np
import pytest

from exact_desktop.learnt_model.features import candidate_features
from exact_desktop.slides.opener import open_slide
from tests.contract.conftest import Target, run_on_server
from tests.review.test_learnt_model import learn_and_export

P = "/api/v1/processing"


@pytest.fixture(scope="module")
def learnt(mitosis_demo, tmp_path_factory):
    model = tmp_path_factory.mktemp("learnt") / "mitoses.onnx"
    store, loop = learn_and_export(mitosis_demo[0], model)
    store.close()
    return model, loop


def boxes_of(target: Target, job: int, entry_name: str) -> dict[tuple[float, ...], float]:
    connection = target.connection()
    results = [r for r in connection.iterate(f"{P}/pluginresults/", job_id=job) if r["job"] == job]
    entries = [x for r in results for x in r["entries"]]
    found = {}
    for entry in entries:
        if connection.get(f"{P}/pluginresultentrys/{entry}/")["name"] != entry_name:
            continue
        for a in connection.iterate(f"{P}/pluginresultannotations/", pluginresultentry=entry):
            found[tuple(round(a["vector"][k], 1) for k in ("x1", "y1", "x2", "y2"))] = a["score"]
    return found


def test_the_learnt_model_gives_the_same_results_on_both_servers(
    exact_target: Target, embedded_target: Target, learnt, contract_slide
):
    model, loop = learnt
    classes = list(loop.learner.model.classes_)
    kept_on = {}
    for target in (exact_target, embedded_target):
        candidates_jobs = run_on_server(target, "Mitosis candidates")
        model_jobs = run_on_server(target, "Run model", f"model={model}")
        candidates = boxes_of(target, candidates_jobs["contract.svs"], "results")
        kept = boxes_of(target, model_jobs["contract.svs"], "model")
        assert kept, target.name
        boxes = np.array(list(candidates), np.float64)
        with open_slide(contract_slide) as slide:
            features = candidate_features(slide, boxes, np.array(list(candidates.values())), slide.mpp)
        keep_column = next(i for i, c in enumerate(classes) if c != -1)
        p = loop.learner.model.predict_proba(features)[:, keep_column]
        expected = {b: float(v) for b, v in zip(candidates, p, strict=True) if v >= 0.5}
        assert set(kept) == set(expected), target.name
        assert max(abs(kept[b] - expected[b]) for b in kept) < 1e-3
        kept_on[target.name] = kept
    assert kept_on["exact"].keys() == kept_on["embedded"].keys()
