"""The review's learning loop: features of every candidate (computed once and stored in the
project, so a review opened again or a rescore reads them instead of the slide), a classifier
retrained from the decisions so far, and the session re-ordered by its scores. `learn` reads the
decided candidates' pixels only, so a model and its quality come in seconds however long the
queue; `score_all` then describes the rest in chunks, telling its progress, and can be stopped.
Both are safe off the GUI thread with the `labels()` taken on the session's thread: they read
slides and the session's fixed arrays (boxes, scores, types), never the store; `apply` gives the
scores to the session and `keep_features` stores the features computed meanwhile (on the
session's thread)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from exact_desktop.learnt_model.features import FEATURES, VERSION, candidate_features
from exact_desktop.model import entities as e
from exact_desktop.review.learning.learner import REJECTED, Learner, Quality
from exact_desktop.review.queue import STATES
from exact_desktop.review.session import ReviewSession
from exact_desktop.slides.opener import open_slide

SCORE_CHUNK = 200  # candidates described between two progress reports (and chances to stop)


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

    def learn(self, decided: np.ndarray, labels: np.ndarray) -> Quality:
        """Train from these decisions (`labels()`), describing only the decided candidates
        (LearningError: too few)."""
        self.compute_features(decided)
        return self.learner.fit(self.features[decided], labels)

    def score_all(
        self, progress: Callable[[int, int], None] | None = None, stop: Callable[[], bool] | None = None
    ) -> np.ndarray | None:
        """The learnt model's score of every candidate, describing those not described yet
        SCORE_CHUNK at a time, image by image; `progress(described, to describe)` before each
        chunk and at the end. None when `stop()` said so between two chunks."""
        c = self.session.candidates
        todo = np.flatnonzero(~self._done)
        todo = todo[np.argsort(c.images[todo], kind="stable")]  # a chunk opens one slide, mostly
        for start in range(0, len(todo), SCORE_CHUNK):
            if stop is not None and stop():
                return None
            if progress is not None:
                progress(start, len(todo))
            self.compute_features(todo[start : start + SCORE_CHUNK])
        if progress is not None:
            progress(len(todo), len(todo))
        return self.learner.score(self.features, c.types)

    def retrain(self, decided: np.ndarray, labels: np.ndarray) -> tuple[Quality, np.ndarray]:
        """Train from these decisions and score every candidate (LearningError: too few)."""
        quality = self.learn(decided, labels)
        scores = self.score_all()
        assert scores is not None  # nothing asked it to stop
        return quality, scores

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
