"""The review's learning loop: features of every candidate (computed once and stored in the
project, so a review opened again or a rescore reads them instead of the slide), a classifier
retrained from the decisions so far, and the session re-ordered by its scores. `retrain` is the
slow part, safe to call off the GUI thread with the `labels()` taken on the session's thread: it
reads slides and the session's fixed arrays (boxes, scores, types), never the store, and hands
back scores; `apply` gives them to the session and stores the features computed meanwhile (on
the session's thread)."""

from __future__ import annotations

import numpy as np

from exact_desktop.model import entities as e
from exact_desktop.review.learning.features import FEATURES, VERSION, candidate_features
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
        rows, stored = session.book.features(session.candidates.ids, VERSION, len(FEATURES))
        self.features[rows] = stored
        self._done[rows] = True
        self._stored = self._done.copy()
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
        self.keep_features()

    def keep_features(self) -> None:
        """Store the features computed since the last time (on the session's thread: the store's)."""
        new = np.flatnonzero(self._done & ~self._stored)
        self.session.book.keep_features(self.session.candidates.ids[new], self.features[new], VERSION)
        self._stored[new] = True

    def step(self) -> Quality:
        """Retrain and re-order at once (the command line, the benchmark, tests)."""
        quality, scores = self.retrain(*self.labels())
        self.apply(scores)
        return quality
