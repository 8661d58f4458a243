"""Retrains the review's model in a QThread as decisions arrive, so a key press never waits for
it: every LEARN_EVERY new decisions a worker learns from a snapshot of them (the decided
candidates' pixels only: seconds), says how good the model is at once, then scores the other
candidates chunk by chunk, telling how far it is, and its scores re-order the queue when it is
done. Features are kept in the project as they come, so a panel closed meanwhile (which stops
the worker) and opened again goes on where it stopped; a panel opened with enough decisions
learns at once."""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from exact_desktop.review.learning.learner import LearningError, Quality
from exact_desktop.review.learning.loop import LearningLoop
from exact_desktop.review.session import ReviewSession

LEARN_EVERY = 10  # new decisions between two trainings
# a worker outlives a closed panel until it ends (Qt aborts on a running QThread's deletion)
_RUNNING: set[QThread] = set()


def _stop_at_quit() -> None:
    app = QCoreApplication.instance()
    if app is not None and not app.property("review_learning_stops_at_quit"):
        app.aboutToQuit.connect(_stop_running)
        app.setProperty("review_learning_stops_at_quit", True)


def _stop_running() -> None:
    """At quit, before Python lets go of the workers: each stops after its chunk and is waited for
    (a quit while the model was scoring aborted the process: a running QThread was deleted)."""
    for worker in list(_RUNNING):
        worker.requestInterruption()
        worker.wait()
    _RUNNING.clear()


class RetrainWorker(QThread):
    learnt = Signal(object)  # Quality: the model is trained, the scoring begins
    progress = Signal(int, int)  # candidates described, to describe
    scored = Signal(object)  # the learnt scores of every candidate
    failed = Signal(str)

    def __init__(self, loop: LearningLoop, decided: np.ndarray, labels: np.ndarray) -> None:
        super().__init__()
        self.loop, self.decided, self.labels = loop, decided, labels

    def run(self) -> None:
        try:
            self.learnt.emit(self.loop.learn(self.decided, self.labels))
            scores = self.loop.score_all(self.progress.emit, self.isInterruptionRequested)
        except LearningError as err:
            self.failed.emit(str(err))
        except Exception as err:  # a slide that cannot be read: say so, keep reviewing
            self.failed.emit(f"learning stopped: {err}")
        else:
            if scores is not None:
                self.scored.emit(scores)


class ReviewLearning(QObject):
    """`status` carries the line the review panel shows."""

    status = Signal(str)

    def __init__(self, session: ReviewSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.loop = LearningLoop(session)
        self.worker: RetrainWorker | None = None
        self.learnt_from = 0
        self.quality: Quality | None = None
        self._stopped = False  # the panel closed: nothing more is learnt
        session.changed.connect(self._session_changed)

    def resume(self) -> None:
        """A review opened again learns from the decisions stored at once (when there are enough)."""
        if self.worker is None and len(self.loop.labels()[0]) >= LEARN_EVERY:
            self.retrain_now()

    def _session_changed(self, _sender: object) -> None:
        if self.worker is not None or self._stopped:
            return  # a worker looks again when it ends (_finished)
        decided, labels = self.loop.labels()
        if len(decided) >= self.learnt_from + LEARN_EVERY:
            self.retrain_now(decided, labels)
        elif len(decided) < self.learnt_from:  # decisions it learnt from were undone: it learns again without them
            if len(decided) >= LEARN_EVERY:
                self.retrain_now(decided, labels)
            else:
                self.learnt_from, self.quality = 0, None  # learns at LEARN_EVERY, as it says
                self.status.emit(f"Model: the decisions it learnt from were undone; it learns again at {LEARN_EVERY}")

    def retrain_now(self, decided: np.ndarray | None = None, labels: np.ndarray | None = None) -> None:
        if decided is None or labels is None:
            decided, labels = self.loop.labels()
        self.learnt_from = len(decided)
        self.worker = RetrainWorker(self.loop, decided.copy(), labels.copy())
        self.worker.learnt.connect(self._learnt)
        self.worker.progress.connect(self._progress)
        self.worker.scored.connect(self._scored)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._finished)
        _stop_at_quit()
        _RUNNING.add(self.worker)
        self.status.emit(f"Model: learning from {len(decided)} decisions…")
        self.worker.start()

    # the worker's signals reach these on the GUI thread; decorated as slots, as PySide asks of a
    # method receiving another thread's signals (PYSIDE-3124: a crash in libshiboken without)
    @Slot(object)
    def _learnt(self, quality: Quality) -> None:
        self.quality = quality
        self.status.emit(describe(quality))

    @Slot(int, int)
    def _progress(self, described: int, total: int) -> None:
        self.loop.keep_features()  # a panel closed before the end keeps what was described
        if described < total and self.quality is not None:
            self.status.emit(f"{describe(self.quality)} · scoring the other candidates: {described:,} of {total:,}")

    @Slot(object)
    def _scored(self, scores: np.ndarray) -> None:
        self.loop.apply(scores)
        if self.quality is not None:
            self.status.emit(describe(self.quality))

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.status.emit(f"Model: {message}")

    @Slot()
    def _finished(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait()  # finished is said just before the thread ends: let it end before letting go
            _RUNNING.discard(worker)
        self._session_changed(None)  # decisions made while it worked: it said "from 10" with 26 made

    def stop(self) -> None:
        """The panel is closing: the worker stops after its chunk (the features kept so far are
        read again by the next panel's)."""
        self._stopped = True
        if self.worker is not None and shiboken6.isValid(self.worker):  # at quit Qt may have deleted it first
            self.worker.requestInterruption()


def describe(quality: Quality) -> str:
    return f"Model: {quality}"
