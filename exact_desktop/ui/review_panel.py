"""The review panel: a result candidate at a time (or a gallery page of them) over the Qt-free
`ReviewSession`, with EXACT's keys: j accept, k reject, d next, s previous, number keys relabel
to that type and accept, Space skips. It only shows the session and tells it what was pressed;
every decision is the session's, one undoable edit each (Ctrl+Z in the window undoes it)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.model import entities as e
from exact_desktop.review.session import Candidate, ReviewSession
from exact_desktop.slides.base import SlideSource
from exact_desktop.store.base import StoreError
from exact_desktop.ui.review_crops import CropCache
from exact_desktop.ui.review_gallery import CROP_PX, Gallery
from exact_desktop.ui.review_learning import LEARN_EVERY, ReviewLearning
from exact_desktop.ui.scaled_picture import ScaledPicture
from exact_desktop.ui.score_histogram import ScoreHistogram
from exact_desktop.ui.settings import remember_review_magnification, review_magnification

SINGLE_PX = 384
SMALLEST_SINGLE_PX = 128
MAGNIFICATIONS = (40.0, 20.0, 10.0, 5.0)
GALLERY_KEYS = (
    "click the wrong ones · Enter accept the page except them · d next page · s previous page · g one at a time"
)
ORDERS = {"score_high": "Score, high first", "score_low": "Score, low first",
          "uncertain": "Closest to the threshold", "spatial": "Across the slide",
          "learned": "Learnt score, high first (1 in 10 least sure)",
          "learned_uncertain": "Learnt score, least sure first"}  # fmt: skip
HELP: tuple[tuple[str, str], ...] = (
    ("Ctrl+R", "Review plugin results (Plugins menu): one candidate at a time, or a gallery page"),
    ("j (review)", "Accept the candidate"),
    ("k (review)", "Reject the candidate"),
    ("1-9 (review)", "Accept the candidate as that type (the numbers the review panel lists)"),
    ("Space (review)", "Skip the candidate for now"),
    ("d, s (review)", "Next, previous candidate (gallery: next, previous page)"),
    ("g (review)", "Gallery: a page of crops, a click marks the wrong ones"),
    ("Enter (review gallery)", "Accept the page except the marked ones, as one edit"),
    ("Ctrl+Z (review)", "Undo the last decision"),
)  # F1 lists these; the keys themselves are handled in ReviewPanel.keyPressEvent
REVIEW_KEYS = (Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_D, Qt.Key.Key_S, Qt.Key.Key_G, Qt.Key.Key_Space,
               Qt.Key.Key_Return, Qt.Key.Key_Enter)  # fmt: skip


class ReviewPanel(QWidget):
    _resultsArrived = Signal()  # the store's word of new results, from its writing thread, to the GUI thread

    def __init__(
        self, session: ReviewSession, source_of: Callable[[int], SlideSource | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session, self.source_of = session, source_of
        self.crops = CropCache(session, source_of)
        # the magnification the last review was left at
        self.crops.magnification = review_magnification(MAGNIFICATIONS) or self.crops.magnification
        self.relabel_types = _relabel_types(session)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.closed = False  # close_review: its dock is gone
        self._gui_thread = threading.get_ident()

        self.title = QLabel(session.title)
        self.title.setStyleSheet("font-weight: bold")
        self.order = QComboBox()
        for key, text in ORDERS.items():
            self.order.addItem(text, key)
        self.order.setCurrentIndex(list(ORDERS).index(session.order))
        self.order.currentIndexChanged.connect(lambda _i: self.session.arrange(order=self.order.currentData()))
        self.zoom = QComboBox()
        for mag in MAGNIFICATIONS:
            self.zoom.addItem(f"{mag:g}x", mag)
        self.zoom.setCurrentIndex(MAGNIFICATIONS.index(self.crops.magnification))
        self.zoom.currentIndexChanged.connect(self._zoom_changed)
        self.gallery_button = QPushButton("Gallery (g)")
        self.gallery_button.setCheckable(True)
        self.gallery_button.toggled.connect(self._mode_changed)
        self.results = QComboBox()  # whose results: one plugin's at a time (offer_results)
        self.results.setToolTip("Review one plugin's results at a time: their scores are on different scales")
        self.results_row = QWidget()
        results_row = QHBoxLayout(self.results_row)
        results_row.setContentsMargins(0, 0, 0, 0)
        results_row.addWidget(QLabel("Results of"))
        results_row.addWidget(self.results, 1)
        self.results_row.hide()
        controls = QHBoxLayout()
        for widget in (self.order, self.zoom, self.gallery_button):
            controls.addWidget(widget)

        self.histogram = ScoreHistogram()
        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(0, 100)
        self.threshold.setValue(round(session.threshold * 100))
        self.threshold.valueChanged.connect(lambda v: self.session.arrange(threshold=v / 100))
        self.threshold_value = QLabel()
        self.threshold.valueChanged.connect(self._show_threshold)
        self._show_threshold(self.threshold.value())
        self.threshold_row = QWidget()
        threshold_row = QHBoxLayout(self.threshold_row)
        threshold_row.setContentsMargins(0, 0, 0, 0)
        threshold_row.addWidget(QLabel("Score \u2265"))
        threshold_row.addWidget(self.threshold, 1)
        threshold_row.addWidget(self.threshold_value)

        self.single = ScaledPicture(SINGLE_PX, SMALLEST_SINGLE_PX)
        self.single.setStyleSheet("background: #202020")
        self.gallery = Gallery()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.single)
        self.stack.addWidget(self.gallery)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.accept_page = QPushButton("Accept the page except the marked (Enter)")
        self.accept_page.clicked.connect(self.decide_page)
        self.accept_page.hide()
        relabels = "  ".join(f"{i} {t.name}" for i, t in enumerate(self.relabel_types, 1))
        self.single_keys = f"j accept · k reject · d next · s previous · Space skip · relabel: {relabels}"
        self.keys = QLabel(self.single_keys)
        self.keys.setWordWrap(True)
        self.counts = QLabel()
        self.no_model = QLabel()  # said by _show_no_model
        self.no_model.setWordWrap(True)
        self.no_model.setStyleSheet("color: #a04000")
        self.model = QLabel("Model: learns after the first decisions")
        self.model.setWordWrap(True)
        self.learning = ReviewLearning(session, self)
        self.learning.status.connect(self._model_said)
        self.learning.resume()

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.results_row)
        layout.addLayout(controls)
        layout.addWidget(self.histogram)
        layout.addWidget(self.threshold_row)
        self.histogram.setVisible(session.scored)  # annotations to verify have no score to sort or cut by
        self.threshold_row.setVisible(session.scored)
        layout.addWidget(self.no_model)
        layout.addWidget(self.stack, 1)  # the crops take the room left
        layout.addWidget(self.info)
        layout.addWidget(self.accept_page)
        layout.addWidget(self.keys)
        layout.addWidget(self.counts)
        layout.addWidget(self.model)
        session.changed.connect(self._session_changed)
        self.new_results = QLabel("New results arrived since this review opened: Ctrl+R takes them in")
        self.new_results.setWordWrap(True)
        self.new_results.setStyleSheet("color: #a04000")
        self.new_results.hide()
        layout.insertWidget(layout.indexOf(self.stack), self.new_results)
        if session.scored:  # a plugin still running adds results the queue, read once, does not hold
            self._resultsArrived.connect(self.new_results.show)
            session.store.changed.connect(self._store_changed)
        self.refresh()

    def offer_results(self, plugins: list[str], current: str, choose: Callable[[str], object]) -> None:
        """The plugins whose results can be reviewed here; `choose(name)` opens that review."""
        self.results.addItems(plugins)
        self.results.setCurrentText(current)
        self.results.currentTextChanged.connect(choose)
        self.results_row.show()

    def close_review(self) -> None:
        """The dock is gone (its widgets deleted with it): the session and the store stop telling
        this panel anything, and the learning stops. Touches no Qt object of the panel's."""
        self.closed = True
        self.session.close()
        if self.session.scored:
            self.session.store.changed.disconnect(self._store_changed)
        self.learning.stop()

    # --- commands from keys ----------------------------------------------------------------
    def shown(self) -> bool:
        """On screen: not closed, nor behind another dock's tab."""
        return not self.closed and self.isVisible() and not self.visibleRegion().isEmpty()

    def handles(self, event: QKeyEvent) -> bool:
        """Whether this key press is one of the review's commands while the panel is shown (any
        number: those past the types to relabel to do nothing; Enter only in the gallery)."""
        if not _is_review_key(event) or not self.shown():
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return self.stack.currentWidget() is self.gallery
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if self.handles(event):
            self.command(event)
        else:  # behind another tab, the panel keeps no keys
            super().keyPressEvent(event)

    def command(self, event: QKeyEvent) -> None:
        """Carries out a key press `handles` took; a decision the store refuses is said, not raised."""
        try:
            self._command(event.key(), event.text())
        except StoreError as err:
            self._refused(err)

    def _command(self, key: int, text: str) -> None:
        in_gallery = self.stack.currentWidget() is self.gallery
        if key == Qt.Key.Key_G:
            self.gallery_button.toggle()
        elif in_gallery and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.decide_page()
        elif in_gallery and key == Qt.Key.Key_D:
            self.session.go(self._page_start() + self.gallery.size)
        elif in_gallery and key == Qt.Key.Key_S:
            self.session.go(self._page_start() - self.gallery.size)
        elif in_gallery:
            return
        elif key == Qt.Key.Key_J:
            self.session.accept()
        elif key == Qt.Key.Key_K:
            self.session.reject()
        elif key == Qt.Key.Key_D:
            self.session.next()
        elif key == Qt.Key.Key_S:
            self.session.previous()
        elif key == Qt.Key.Key_Space:
            self.session.skip()
        elif text.isdigit() and 1 <= int(text) <= len(self.relabel_types):
            self.session.accept(self.relabel_types[int(text) - 1].id)

    def decide_page(self) -> None:
        """The gallery page: accepted, but for the marked crops, which are rejected; one edit."""
        if not self.gallery.ids:
            return
        choices = {id: None if id in self.gallery.marked else self.session.model_type(id) for id in self.gallery.ids}
        try:
            self.session.decide(
                choices, f"Review a page of {len(choices)}", go_to=self._page_start() + self.gallery.size
            )
        except StoreError as err:
            self._refused(err)

    def _refused(self, err: StoreError) -> None:
        """A decision the store refused: said in the line above the crops, nothing changed."""
        self.new_results.setText(f"Not decided: {err}")
        self.new_results.show()

    # --- showing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        counts, _edges, above = self.session.histogram()
        self.histogram.show_counts(counts, self.session.threshold, above, len(self.session))
        if self.stack.currentWidget() is self.gallery:
            self._show_page()
        else:
            self._show_single()
        self._show_no_model()
        c = self.session.counts()
        pace = f" · {c.per_minute:.0f} a minute" if c.per_minute > 0 else ""  # none said before the third decision
        left = f", about {c.seconds_left / 60:.0f} min left" if c.seconds_left is not None else ""
        self.counts.setText(f"{c.decided:,} decided · {c.remaining:,} to go{pace}{left}")

    def _model_said(self, text: str) -> None:
        self.model.setText(text)
        self._show_no_model()

    def _show_no_model(self) -> None:
        """A learnt order without learnt scores yet is the plugin's score order: say why (a model
        learnt but still scoring the other candidates said "No model yet" for minutes)."""
        waiting = self.session.order.startswith("learned") and self.session.learned is None
        self.no_model.setVisible(waiting)
        if not waiting:
            return
        if self.learning.quality is None:
            self.no_model.setText(
                f"No model yet: in the plugin's score order until one has learnt ({LEARN_EVERY} decisions)"
            )
        else:
            self.no_model.setText(
                "In the plugin's score order until the model has scored the other candidates"
                f" ({self.model.text().removeprefix('Model: ')})"
            )

    def _show_single(self) -> None:
        current = self.session.current()
        if current is None:
            self.single.clear()
            self.single.setText("Nothing left to review here")
            self.info.setText("")
            return
        self.single.setPixmap(QPixmap.fromImage(self.crop(current, SINGLE_PX)))
        self.info.setText(self._caption(current))
        self._prefetch(1, SINGLE_PX)

    def _undecided(self, id: int) -> bool:
        try:
            return self.session.state_of(id) == "undecided"
        except StoreError:  # no longer in the review (a plugin run again)
            return False

    def _show_page(self) -> None:
        start = self._page_start()
        page = [self.session.at(p) for p in range(start, start + self.gallery.size)]
        shown = [c for c in page if c is not None]
        crops = self.crops.crops(shown, CROP_PX)
        self.gallery.marked = {id for id in self.gallery.marked if self._undecided(id)}  # a mark lasts until decided
        self.gallery.show_page([(c.id, crop, self._caption(c)) for c, crop in zip(shown, crops, strict=True)])
        end = start + len(shown)
        self.info.setText(f"Candidates {start + 1:,}-{end:,} of {len(self.session):,}: click the wrong ones")
        self._prefetch(self.gallery.size, CROP_PX)

    def _page_start(self) -> int:
        return self.session.position  # the page begins with the candidate on screen

    def _caption(self, c: Candidate) -> str:
        kind = self.session.types[c.annotation_type].name if c.annotation_type in self.session.types else "?"
        state = "" if c.state == "undecided" else f" · {c.state}"
        score = f" · score {c.score:.3f}" if self.session.scored else ""
        return f"#{c.rank + 1:,} of {len(self.session):,} · {self.session.source_name(c)} · {kind}{score}{state}"

    def crop(self, c: Candidate, side: int) -> QImage:
        return self.crops.crop(c, side)

    def _prefetch(self, step: int, side: int) -> None:
        """The pixels of the next two candidates (or the next page) and of the previous one, read on the
        reader threads while the reviewer looks at these: `d`, `j`, `k` or `s` finds them read.
        Called whenever the panel shows something, so also after an order or threshold change."""
        start = self.session.position
        nearest_first = [*range(start + step, start + step + max(step, 2)), *range(start - step, start)]
        upcoming = [self.session.at(p) for p in nearest_first]
        self.crops.prefetch([c for c in upcoming if c is not None], side)

    def _show_threshold(self, value: int) -> None:
        self.threshold_value.setText(f"{value / 100:.2f}")

    def _zoom_changed(self, _index: int) -> None:
        self.crops.magnification = self.zoom.currentData()
        remember_review_magnification(self.crops.magnification)
        self.refresh()

    def _mode_changed(self, gallery: bool) -> None:
        self.stack.setCurrentWidget(self.gallery if gallery else self.single)
        self.accept_page.setVisible(gallery)
        self.keys.setText(GALLERY_KEYS if gallery else self.single_keys)
        self.refresh()

    def _store_changed(self, _sender: object, changes: list = ()) -> None:  # type: ignore[assignment]
        """Results written on another thread (a plugin's, through the embedded API); the review's
        own decisions redraw results too, but on this panel's thread."""
        if threading.get_ident() != self._gui_thread and any(c.kind == "results" for c in changes):
            with contextlib.suppress(RuntimeError):  # the panel's Qt side is gone: nothing to tell
                self._resultsArrived.emit()

    def _session_changed(self, _sender: object) -> None:
        self.refresh()


def _is_review_key(event: QKeyEvent) -> bool:
    if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
        return False
    return event.text().isdigit() or event.key() in REVIEW_KEYS


def _relabel_types(session: ReviewSession) -> list[e.AnnotationType]:
    """Types a number key relabels to: those of the candidates' product drawn the same way."""
    models = {int(t) for t in set(session.candidates.types.tolist())}
    known = [session.types[t] for t in models if t in session.types]
    if not known:
        return []
    first = known[0]
    same = [t for t in session.types.values() if t.product == first.product and t.vector_type == first.vector_type]
    return sorted(same, key=lambda t: (t.sort_order, t.id))[:9]
