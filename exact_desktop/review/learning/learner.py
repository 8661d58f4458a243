"""A classifier learnt from a review's decisions: each decided candidate's features, labelled with
the type its decision kept (or rejected). It scores the undecided ones: the probability that a
candidate keeps its own type, which a queue orders by (or by how uncertain it is). Decisions of
one kind only give no classifier yet: the candidates least like them are scored first instead
(exploration.py), so the other kind turns up."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score

from exact_desktop.review.learning.exploration import unlike_decided

REJECTED = -1  # the label of a rejected candidate
TREES = 100
MIN_HELD_OUT = 2  # decisions of the rarest class before the quality is measured


class LearningError(Exception):
    """Too few decisions to learn from; the message says how many more are needed."""


@dataclass(frozen=True)
class Quality:
    decisions: int
    classes: tuple[int, ...]  # type ids kept, REJECTED for a rejection
    balanced_accuracy: float | None  # out-of-bag; None with too few decisions per class (or of one kind)
    train_ms: float

    @property
    def one_kind(self) -> bool:
        return len(self.classes) < 2

    def __str__(self) -> str:
        """What the panel and `model train` say of it."""
        if self.one_kind:
            return (
                f"{self.decisions} decisions of one kind only: the candidates least like them come first; "
                "decide at least one the other way to learn"
            )
        if self.balanced_accuracy is None:
            return f"no accuracy yet (too few of one kind to measure), learnt from {self.decisions} decisions"
        said = f"{self.balanced_accuracy:.0%} balanced accuracy (out-of-bag) from {self.decisions} decisions"
        chance = 1 / len(self.classes)
        if self.balanced_accuracy <= chance:
            return f"no better than chance ({chance:.0%}) yet, its order a guess: {said}"
        return said


class Learner:
    def __init__(self) -> None:
        self.model: RandomForestClassifier | None = None
        self.quality: Quality | None = None
        self._one_kind: np.ndarray | None = None  # the decided candidates' features while they are of one kind

    def fit(self, features: np.ndarray, labels: np.ndarray) -> Quality:
        """Train on decided candidates (labels: kept type, or REJECTED); LearningError when
        there are none. Decisions of one kind give no model: the score explores instead.

        A random forest: a fit of 2,500 decisions takes a fraction of a second on two cores, and
        its out-of-bag votes (each decision judged by the trees that did not see it) measure it
        without the five more fits a cross-validation costs. Each tree weighs the classes by
        their share of its sample, so a few mitoses among many mimics count."""
        start = time.perf_counter()
        keep = ~np.isnan(features).any(axis=1)
        x, y = features[keep], labels[keep]
        classes, counts = np.unique(y, return_counts=True)
        if not len(labels):
            raise LearningError("no decisions yet: accept and reject some candidates to learn from")
        if not len(y):
            raise LearningError(
                f"{len(labels)} decisions, but none of their candidates could be described (their pixels"
                " could not be read): check the images' slide files"
            )
        self.model, self._one_kind = None, None
        accuracy = None
        if len(classes) < 2:
            self._one_kind = x
        else:
            measured = int(counts.min()) >= MIN_HELD_OUT
            # ('balanced' made every out-of-bag vote one class with scikit-learn 1.9.1; the subsample kind does not)
            model = RandomForestClassifier(
                TREES, min_samples_leaf=2, class_weight="balanced_subsample", oob_score=measured, n_jobs=2,
                random_state=0,
            )  # fmt: skip
            with warnings.catch_warnings():  # few decisions: a few may have no out-of-bag vote, left out below
                warnings.simplefilter("ignore", UserWarning)
                model.fit(x, y)
            if measured:
                votes = model.oob_decision_function_
                voted = ~np.isnan(votes).any(axis=1)
                if voted.any():
                    predicted = model.classes_[votes[voted].argmax(axis=1)]
                    accuracy = float(balanced_accuracy_score(y[voted], predicted))
            self.model = model
        self.quality = Quality(len(y), tuple(int(c) for c in classes), accuracy, (time.perf_counter() - start) * 1000)
        return self.quality

    def score(self, features: np.ndarray, own_types: np.ndarray) -> np.ndarray:
        """Per candidate, the learnt probability that it keeps its own type (NaN: no features);
        from decisions of one kind, how unlike the decided ones it is (exploration.py)."""
        out = np.full(len(features), np.nan, np.float32)
        if (self.model is None and self._one_kind is None) or not len(features):
            return out
        ok = ~np.isnan(features).any(axis=1)
        if not ok.any():
            return out
        if self.model is None:
            assert self._one_kind is not None and self.quality is not None
            out[ok] = unlike_decided(features[ok], self._one_kind, kept=self.quality.classes[0] != REJECTED)
            return out
        probabilities = self.model.predict_proba(features[ok])
        column = {int(c): i for i, c in enumerate(self.model.classes_)}
        own = np.array([column.get(int(t), -1) for t in own_types[ok]])
        picked = np.where(own >= 0, probabilities[np.arange(len(own)), np.maximum(own, 0)], 0.0)
        out[ok] = picked
        return out
