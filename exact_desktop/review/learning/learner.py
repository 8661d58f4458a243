"""A classifier learnt from a review's decisions: each decided candidate's features, labelled with
the type its decision kept (or rejected). It scores the undecided ones: the probability that a
candidate keeps its own type, which a queue orders by (or by how uncertain it is)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

REJECTED = -1  # the label of a rejected candidate
MAX_FOLDS = 5


class LearningError(Exception):
    """Too few decisions to learn from; the message says how many more are needed."""


@dataclass(frozen=True)
class Quality:
    decisions: int
    classes: tuple[int, ...]  # type ids kept, REJECTED for a rejection
    balanced_accuracy: float | None  # cross-validated; None with too few decisions per class
    train_ms: float

    def __str__(self) -> str:
        """What the panel and `model train` say of it."""
        accuracy = "not yet measurable" if self.balanced_accuracy is None else f"{self.balanced_accuracy:.0%}"
        return f"{accuracy} balanced accuracy (cross-validated) from {self.decisions} decisions"


class Learner:
    def __init__(self) -> None:
        self.model: GradientBoostingClassifier | None = None
        self.quality: Quality | None = None

    def fit(self, features: np.ndarray, labels: np.ndarray) -> Quality:
        """Train on decided candidates (labels: kept type, or REJECTED); LearningError when
        there are fewer decisions than two classes need."""
        start = time.perf_counter()
        keep = ~np.isnan(features).any(axis=1)
        x, y = features[keep], labels[keep]
        classes, counts = np.unique(y, return_counts=True)
        if not len(y):
            raise LearningError("no decisions yet: accept and reject some candidates to learn from")
        if len(classes) < 2:
            raise LearningError(
                f"{len(y)} decisions of one kind only: decide at least one candidate the other way to learn"
            )
        # exact splits (not the histogram kind): skl2onnx converts these cleanly with today's onnx
        model = GradientBoostingClassifier(
            n_estimators=100, learning_rate=0.1, max_depth=3, min_samples_leaf=3, random_state=0
        )
        folds = min(MAX_FOLDS, int(counts.min()))
        accuracy = None
        if folds >= 2:
            cv = StratifiedKFold(folds, shuffle=True, random_state=0)
            accuracy = float(np.mean(cross_val_score(model, x, y, cv=cv, scoring="balanced_accuracy")))
        model.fit(x, y)
        self.model = model
        self.quality = Quality(len(y), tuple(int(c) for c in classes), accuracy, (time.perf_counter() - start) * 1000)
        return self.quality

    def score(self, features: np.ndarray, own_types: np.ndarray) -> np.ndarray:
        """Per candidate, the learnt probability that it keeps its own type (NaN: no features)."""
        out = np.full(len(features), np.nan, np.float32)
        if self.model is None or not len(features):
            return out
        ok = ~np.isnan(features).any(axis=1)
        if not ok.any():
            return out
        probabilities = self.model.predict_proba(features[ok])
        column = {int(c): i for i, c in enumerate(self.model.classes_)}
        own = np.array([column.get(int(t), -1) for t in own_types[ok]])
        picked = np.where(own >= 0, probabilities[np.arange(len(own)), np.maximum(own, 0)], 0.0)
        out[ok] = picked
        return out
