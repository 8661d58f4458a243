"""The review's learning loop: features of every candidate (computed once, kept per candidate
row), a classifier retrained from the decisions so far, and the session re-ordered by its
scores. `retrain` is the slow part, safe to call off the GUI thread with the `labels()` taken on
the session's thread: it reads slides and the session's fixed arrays (boxes, scores, types), never
the store, and hands back scores; `apply` gives them to the session (on the session's thread)."""

from __future__ import annotations

import numpy as np

from exact_desktop.model import entities as e
from exact_desktop.review.learning.features import FEATURES, candidate_features
from exact_desktop.review.learning.learner import REJECTED, Learner, Quality
from exact_desktop.review.queue import STATES
from exact_desktop.review.session import ReviewSession
from exact_desktop.slides.opener import open_slide


class LearningLoop:
    def __init__(self, session: ReviewSession) -> None:
        self.session = session
        self.learner = Learner()
        self.features = np.full((len(session.candidates), len(FEATURES)), np.nan, np.float32)
        self._done = np.zeros(len(session.candidates), bool)
        images = session.store.get_many(e.Image, [int(i) for i in np.unique(session.candidates.images)])
        self.slides = {i: (image.local_path, image.mpp) for i, image in images.items()}

    def compute_features(self, rows: np.ndarray | None = None) -> None:
        """Features of these candidate rows (all when None) not computed yet, image by image."""
        c = self.session.candidates
        wanted = np.arange(len(c)) if rows is None else np.asarray(rows, np.int64)
        wanted = wanted[~self._done[wanted]]
        for image_id in np.unique(c.images[wanted]):
            on_image = wanted[c.images[wanted] == image_id]
            path, mpp = self.slides.get(int(image_id), (None, None))
            if not path:
                continue
            with open_slide(path) as source:
                self.features[on_image] = candidate_features(source, c.boxes[on_image], c.scores[on_image], mpp)
            self._done[on_image] = True

    def labels(self) -> tuple[np.ndarray, np.ndarray]:
        """(decided rows, their labels: the type kept, REJECTED for a rejection)."""
        c = self.session.candidates
        decided = np.flatnonzero(c.decisions != STATES.index("undecided"))
        rejected = c.decisions[decided] == STATES.index("reject")
        return decided, np.where(rejected, REJECTED, c.chosen[decided])

    def retrain(self, decided: np.ndarray, labels: np.ndarray) -> tuple[Quality, np.ndarray]:
        """Train from these decisions (`labels()`) and score every candidate (LearningError: too few)."""
        self.compute_features(decided)
        quality = self.learner.fit(self.features[decided], labels)
        self.compute_features()
        return quality, self.learner.score(self.features, self.session.candidates.types)

    def apply(self, scores: np.ndarray) -> None:
        self.session.relearned(scores)

    def step(self) -> Quality:
        """Retrain and re-order at once (the command line, the benchmark, tests)."""
        quality, scores = self.retrain(*self.labels())
        self.apply(scores)
        return quality
