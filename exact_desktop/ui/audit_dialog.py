"""An audited accept: a random sample of the band shown in pages of crops before the band is
accepted. The reviewer clicks the wrong ones; the sample's precision, with its 95 % interval,
goes into every annotation the accept makes, and the wrong ones are rejected (one edit)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from exact_desktop.review.audit import DEFAULT_SAMPLE, Estimate
from exact_desktop.review.session import ReviewSession
from exact_desktop.slides.base import SlideSource
from exact_desktop.ui.review_crops import CropCache
from exact_desktop.ui.review_gallery import CROP_PX, Gallery


class AuditDialog(QDialog):
    def __init__(
        self, session: ReviewSession, source_of: Callable[[int], SlideSource | None], size: int = DEFAULT_SAMPLE,
        seed: int | None = None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.session = session
        self.band = len(session.band_rows())
        self.sample = session.audit_sample(size, seed)
        self.crops = CropCache(session, source_of)
        self.wrong: set[int] = set()
        self.page = 0
        self.outcome: tuple[Estimate, int] | None = None
        self.setWindowTitle("Audited accept")
        self.gallery = Gallery()
        self.heading = QLabel()
        self.previous_button, self.next_button = QPushButton("Previous page"), QPushButton("Next page")
        self.previous_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.accept_button = self.buttons.addButton(
            f"Accept the band ({self.band:,})", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.accept_band)
        self.buttons.rejected.connect(self.reject)
        pages = QHBoxLayout()
        pages.addWidget(self.previous_button)
        pages.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.gallery)
        layout.addLayout(pages)
        layout.addWidget(self.buttons)
        self.show_page(0)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.sample) // self.gallery.size))

    def show_page(self, page: int) -> None:
        self._keep_marks()
        self.page = min(max(page, 0), self.pages - 1)
        ids = self.sample[self.page * self.gallery.size : (self.page + 1) * self.gallery.size]
        candidates = [self.session.candidate(id) for id in ids]
        crops = self.crops.crops(candidates, CROP_PX)
        captions = [f"score {c.score:.3f}" for c in candidates]
        self.gallery.show_page([(c.id, crop, t) for c, crop, t in zip(candidates, crops, captions, strict=True)])
        for i, id in enumerate(ids):
            if id in self.wrong:
                self.gallery.toggle(i)
        self.heading.setText(
            f"A random sample of {len(self.sample)} of the {self.band:,} undecided candidates at or above "
            f"{self.session.threshold:.2f}: page {self.page + 1} of {self.pages}. Click the wrong ones."
        )
        self.previous_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages - 1)

    def _keep_marks(self) -> None:
        self.wrong = (self.wrong - set(self.gallery.ids)) | self.gallery.marked

    def accept_band(self) -> None:
        self._keep_marks()
        self.outcome = self.session.audited_accept({id: id not in self.wrong for id in self.sample})
        self.accept()
