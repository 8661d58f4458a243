"""The model learnt from a review, saved as ONNX (skl2onnx) with its card, so Run model can
rescore another image set's candidates with it anywhere: locally, through Celery, or with
`plugin work` on an EXACT server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from exact_desktop.learnt_model.card import ModelCard, Tensor, write_model
from exact_desktop.learnt_model.features import FEATURES
from exact_desktop.model import entities as e
from exact_desktop.review.learning.learner import REJECTED, LearningError
from exact_desktop.review.learning.loop import LearningLoop

INPUT, OUTPUT = "features", "probabilities"


def export_model(loop: LearningLoop, path: Path) -> ModelCard:
    """Write the loop's trained model to `path` (ONNX) and its card beside it; LearningError
    when nothing was learnt yet. Nothing is written when the conversion fails."""
    from skl2onnx import convert_sklearn  # seconds to import: only when a model is saved
    from skl2onnx.common.data_types import FloatTensorType

    learner, session = loop.learner, loop.session
    if learner.model is None or learner.quality is None:
        raise LearningError("no model learnt yet: decide candidates of two kinds first")
    model, quality = learner.model, learner.quality
    names = {t.id: t.name for t in session.types.values()}
    classes = tuple(None if int(c) == REJECTED else names[int(c)] for c in model.classes_)
    onnx = convert_sklearn(
        model, initial_types=[(INPUT, FloatTensorType([None, len(FEATURES)]))], options={"zipmap": False},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )  # fmt: skip
    image_ids = [int(i) for i in np.unique(session.candidates.images)]
    images = session.store.get_many(e.Image, image_ids).values()
    sets = session.store.get_many(e.ImageSet, sorted({i.image_set for i in images})).values()
    mpps = sorted({i.mpp for i in images if i.mpp})
    card = ModelCard(
        kind="candidates", classes=classes,
        input=Tensor(INPUT, (None, len(FEATURES))), output=Tensor(OUTPUT, (None, len(classes))),
        scale_um_per_px=mpps[0] if mpps else 0.25, features=FEATURES,
        candidate_types=tuple(sorted({names[int(t)] for t in np.unique(session.candidates.types)})),
        decisions=quality.decisions, image_sets=tuple(s.name for s in sets),
        metrics={"balanced_accuracy_oob": quality.balanced_accuracy},
        source={
            "plugins": ", ".join(sorted({o.plugin for o in session.origins.values()})),
            "estimator": type(model).__name__,
        },
        date=datetime.now(UTC).isoformat(timespec="seconds"),
    )  # fmt: skip
    write_model(onnx.SerializeToString(), card, path)
    return card
