"""Retrains the review's model in a QThread as decisions arrive, so a key press never waits for
it: every LEARN_EVERY new decisions a worker learns from a snapshot of them, and its scores
re-order the queue when it is done. A label shows how good the model is and from how many
decisions it learnt."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from exact_desktop.review.learning.learner import LearningError, Quality
from exact_desktop.review.learning.loop import LearningLoop
from exact_desktop.review.session import ReviewSession

LEARN_EVERY = 10  # new decisions between two trainings
_RUNNING: set[QThread] = (
    set()
)  # a worker outlives a closed panel until it ends (Qt aborts on a running QThread's deletion)


class RetrainWorker(QThread):
    learnt = Signal(object, object)  # Quality, the learnt scores
    failed = Signal(str)

    def __init__(self, loop: LearningLoop, decided: np.ndarray, labels: np.ndarray) -> None:
        super().__init__()
        self.loop, self.decided, self.labels = loop, decided, labels

    def run(self) -> None:
        try:
            quality, scores = self.loop.retrain(self.decided, self.labels)
        except LearningError as err:
            self.failed.emit(str(err))
        except Exception as err:  # a slide that cannot be read: say so, keep reviewing
            self.failed.emit(f"learning stopped: {err}")
        else:
            self.learnt.emit(quality, scores)


class ReviewLearning(QObject):
    """`status` carries the line the review panel shows."""

    status = Signal(str)

    def __init__(self, session: ReviewSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.loop = LearningLoop(session)
        self.worker: RetrainWorker | None = None
        self.learnt_from = 0
        session.changed.connect(self._session_changed)

    def _session_changed(self, _sender: object) -> None:
        decided, labels = self.loop.labels()
        if self.worker is None and len(decided) >= self.learnt_from + LEARN_EVERY:
            self.retrain_now(decided, labels)

    def retrain_now(self, decided: np.ndarray | None = None, labels: np.ndarray | None = None) -> None:
        if decided is None or labels is None:
            decided, labels = self.loop.labels()
        self.learnt_from = len(decided)
        self.worker = RetrainWorker(self.loop, decided.copy(), labels.copy())
        self.worker.learnt.connect(self._learnt)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._finished)
        _RUNNING.add(self.worker)
        self.worker.finished.connect(lambda worker=self.worker: _RUNNING.discard(worker))
        self.status.emit(f"Model: learning from {len(decided)} decisions…")
        self.worker.start()

    def _learnt(self, quality: Quality, scores: np.ndarray) -> None:
        self.loop.apply(scores)
        self.status.emit(describe(quality))

    def _failed(self, message: str) -> None:
        self.status.emit(f"Model: {message}")

    def _finished(self) -> None:
        self.worker = None

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.wait()


def describe(quality: Quality) -> str:
    accuracy = "not yet measurable" if quality.balanced_accuracy is None else f"{quality.balanced_accuracy:.0%}"
    return f"Model: {accuracy} balanced accuracy (cross-validated) from {quality.decisions} decisions"
